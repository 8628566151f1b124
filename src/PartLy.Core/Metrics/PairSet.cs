using System.Numerics;
using System.Runtime.CompilerServices;

namespace PartLy.Core.Metrics;

/// <summary>A set of (key, block) pairs for one batch: open addressing, cleared in O(1) by a generation stamp.</summary>
public sealed class PairSet
{
    private long[] _slots = new long[1024];
    private int[] _generation = new int[1024];
    private int _current = 1;
    private int _count;

    /// <summary>Empties the set and makes room for up to <paramref name="capacity"/> pairs.</summary>
    public void Clear(int capacity)
    {
        int size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(1024, capacity * 2));
        if (size > _slots.Length)
        {
            _slots = new long[size];
            _generation = new int[size];
            _current = 0;
        }
        _current++;
        _count = 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long Pack(int key, int block) => ((long)key << 20) | (uint)block;

    /// <summary>Adds the pair; true if it was not there.</summary>
    public bool Add(int key, int block)
    {
        long packed = Pack(key, block);
        int mask = _slots.Length - 1;
        int i = (int)(Hashing.Murmur3.Mix((uint)(packed ^ (packed >> 29))) & mask);
        while (_generation[i] == _current)
        {
            if (_slots[i] == packed) return false;
            i = (i + 1) & mask;
        }
        _generation[i] = _current;
        _slots[i] = packed;
        _count++;
        return true;
    }

    public bool Contains(int key, int block)
    {
        long packed = Pack(key, block);
        int mask = _slots.Length - 1;
        int i = (int)(Hashing.Murmur3.Mix((uint)(packed ^ (packed >> 29))) & mask);
        while (_generation[i] == _current)
        {
            if (_slots[i] == packed) return true;
            i = (i + 1) & mask;
        }
        return false;
    }
}
