namespace PartLy.Core.Streams;

/// <summary>Maps raw keys of a trace to dense ids in order of first appearance, without a string per lookup.</summary>
public sealed class KeyDictionary
{
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public KeyDictionary() => _lookup = _ids.GetAlternateLookup<ReadOnlySpan<char>>();

    public int Count => _ids.Count;

    public int GetOrAdd(ReadOnlySpan<char> key)
    {
        if (_lookup.TryGetValue(key, out int id)) return id;
        id = _ids.Count;
        _lookup[key] = id;
        return id;
    }
}
