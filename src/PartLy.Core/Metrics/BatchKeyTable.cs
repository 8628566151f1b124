using System.Numerics;
using System.Runtime.CompilerServices;

namespace PartLy.Core.Metrics;

/// <summary>
/// The distinct keys of one batch with a few counters each, in open addressing sized to the batch (not to the key
/// space): memory is O(batch), whatever the number of distinct keys in the stream. Cleared in O(1).
/// </summary>
internal sealed class BatchKeyTable
{
    private int[] _keys = new int[2048];
    private int[] _generation = new int[2048];
    private int _current = 1;

    public int[] Count = new int[2048];
    public int[] Fragments = new int[2048];
    public int[] LastBlock = new int[2048];
    public bool[] LastMigrates = new bool[2048];

    /// <summary>Empties the table and makes room for up to <paramref name="keys"/> distinct keys.</summary>
    public void Clear(int keys)
    {
        int size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(2048, keys * 2));
        if (size > _keys.Length)
        {
            _keys = new int[size];
            _generation = new int[size];
            Count = new int[size];
            Fragments = new int[size];
            LastBlock = new int[size];
            LastMigrates = new bool[size];
            _current = 0;
        }
        _current++;
    }

    /// <summary>The key's slot; <paramref name="added"/> when the key was not in the table.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Slot(int key, out bool added)
    {
        int mask = _keys.Length - 1;
        int i = (int)(Hashing.Murmur3.Mix((uint)key) & mask);
        while (_generation[i] == _current)
        {
            if (_keys[i] == key) { added = false; return i; }
            i = (i + 1) & mask;
        }
        _generation[i] = _current;
        _keys[i] = key;
        added = true;
        return i;
    }

    public bool Contains(int key)
    {
        int mask = _keys.Length - 1;
        int i = (int)(Hashing.Murmur3.Mix((uint)key) & mask);
        while (_generation[i] == _current)
        {
            if (_keys[i] == key) return true;
            i = (i + 1) & mask;
        }
        return false;
    }
}
