namespace PartLy.Core.Partitioning;

/// <summary>
/// The key counts of one batch: count per key and the distinct keys, optionally ordered by count (hottest first,
/// smaller key id first on ties). Reused across batches; no allocation once warmed up.
/// </summary>
public sealed class KeyCounts
{
    private int[] _count = new int[1024];
    private long[] _batchOfKey = new long[1024];
    private int[] _distinct = new int[256];
    private long[] _sortBuffer = new long[256];
    private long _stamp;

    public int DistinctCount { get; private set; }
    public int Tuples { get; private set; }
    public int MaxCount { get; private set; }

    /// <summary>The batch's distinct keys, in first-appearance order or, after <see cref="SortByCount"/>, hottest first.</summary>
    public ReadOnlySpan<int> Distinct => _distinct.AsSpan(0, DistinctCount);

    public int CountOf(int key) => key < _batchOfKey.Length && _batchOfKey[key] == _stamp ? _count[key] : 0;

    public void Count(ReadOnlySpan<int> keys)
    {
        _stamp++;
        DistinctCount = 0;
        MaxCount = 0;
        Tuples = keys.Length;
        foreach (int key in keys)
        {
            if (key >= _count.Length) Grow(key);
            if (_batchOfKey[key] != _stamp)
            {
                _batchOfKey[key] = _stamp;
                _count[key] = 0;
                if (DistinctCount == _distinct.Length) Array.Resize(ref _distinct, _distinct.Length * 2);
                _distinct[DistinctCount++] = key;
            }
            int c = ++_count[key];
            if (c > MaxCount) MaxCount = c;
        }
    }

    public void SortByCount()
    {
        int n = DistinctCount;
        if (_sortBuffer.Length < n) _sortBuffer = new long[_distinct.Length];
        var buffer = _sortBuffer.AsSpan(0, n);
        for (int i = 0; i < n; i++)
        {
            int key = _distinct[i];
            buffer[i] = ((long)(int.MaxValue - _count[key]) << 32) | (uint)key;
        }
        buffer.Sort();
        for (int i = 0; i < n; i++) _distinct[i] = (int)(buffer[i] & 0xffffffff);
    }

    private void Grow(int key)
    {
        int size = KeyArrays.Capacity(key);
        Array.Resize(ref _count, size);
        Array.Resize(ref _batchOfKey, size);
    }
}
