namespace PartLy.Core.Sketches;

/// <summary>
/// SpaceSaving (Metwally et al.) with a fixed number of counters kept in a min-heap: an unmonitored key replaces
/// the smallest counter and inherits its count. Estimates never undercount a monitored key.
/// </summary>
public sealed class SpaceSaving
{
    private readonly int[] _heapKeys;
    private readonly long[] _heapCounts;
    private int[] _slotOfKey = new int[1024]; // heap position + 1; 0 = not monitored
    private int _size;

    public SpaceSaving(int counters)
    {
        if (counters < 1) throw new ArgumentOutOfRangeException(nameof(counters), "at least one counter");
        _heapKeys = new int[counters];
        _heapCounts = new long[counters];
    }

    public long Total { get; private set; }

    /// <summary>Counts one occurrence and returns the key's estimated count.</summary>
    public long Offer(int key)
    {
        Total++;
        if (key >= _slotOfKey.Length) Array.Resize(ref _slotOfKey, KeyArrays.Capacity(key));
        int slot = _slotOfKey[key] - 1;
        if (slot >= 0)
        {
            _heapCounts[slot]++;
            return _heapCounts[SiftDown(slot)];
        }
        if (_size < _heapKeys.Length)
        {
            int pos = _size++;
            _heapKeys[pos] = key;
            _heapCounts[pos] = 1;
            _slotOfKey[key] = pos + 1;
            return _heapCounts[SiftUp(pos)];
        }
        _slotOfKey[_heapKeys[0]] = 0;
        _heapKeys[0] = key;
        _heapCounts[0]++;
        _slotOfKey[key] = 1;
        return _heapCounts[SiftDown(0)];
    }

    public long Estimate(int key)
    {
        if (key >= _slotOfKey.Length) return 0;
        int slot = _slotOfKey[key] - 1;
        return slot >= 0 ? _heapCounts[slot] : 0;
    }

    /// <summary>Monitored keys whose estimate is at least <paramref name="minCount"/>, most frequent first.</summary>
    public List<(int Key, long Count)> HeavyHitters(long minCount)
    {
        var result = new List<(int Key, long Count)>();
        for (int i = 0; i < _size; i++)
            if (_heapCounts[i] >= minCount) result.Add((_heapKeys[i], _heapCounts[i]));
        result.Sort((a, b) => a.Count != b.Count ? b.Count.CompareTo(a.Count) : a.Key.CompareTo(b.Key));
        return result;
    }

    private int SiftDown(int pos)
    {
        while (true)
        {
            int left = 2 * pos + 1;
            if (left >= _size) return pos;
            int child = left + 1 < _size && _heapCounts[left + 1] < _heapCounts[left] ? left + 1 : left;
            if (_heapCounts[child] >= _heapCounts[pos]) return pos;
            Swap(pos, child);
            pos = child;
        }
    }

    private int SiftUp(int pos)
    {
        while (pos > 0)
        {
            int parent = (pos - 1) / 2;
            if (_heapCounts[parent] <= _heapCounts[pos]) return pos;
            Swap(pos, parent);
            pos = parent;
        }
        return pos;
    }

    private void Swap(int a, int b)
    {
        (_heapKeys[a], _heapKeys[b]) = (_heapKeys[b], _heapKeys[a]);
        (_heapCounts[a], _heapCounts[b]) = (_heapCounts[b], _heapCounts[a]);
        _slotOfKey[_heapKeys[a]] = a + 1;
        _slotOfKey[_heapKeys[b]] = b + 1;
    }
}
