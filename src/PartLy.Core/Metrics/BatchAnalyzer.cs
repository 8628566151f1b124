namespace PartLy.Core.Metrics;

/// <summary>
/// Measures the batches of one stream as one partitioner placed them: per-batch metrics, and the stream-level
/// imbalance and replication over cumulative loads. Keeps the previous batch's (key, block) pairs for migration.
/// </summary>
public sealed class BatchAnalyzer
{
    private readonly CostModel _cost;
    private PairSet _pairs = new();
    private PairSet _previousPairs = new();
    private int[] _sizes = [];
    private int[] _distinct = [];
    // The batch's keys with their count, fragments, and the block of their last tuple and whether a tuple there
    // migrates (a key's next tuple on the same block needs no lookup); the previous batch's keys. Sized to batches.
    private BatchKeyTable _keys = new();
    private BatchKeyTable _previousKeys = new();
    private int[] _touched = new int[256];
    private long[] _streamSizes = [];
    private ulong[] _streamKeyBlocks = new ulong[1024];
    private int _streamWords;
    private long _streamPairs;
    private long _streamKeys;
    private int _streamKeyCapacity = 1024;

    public BatchAnalyzer(CostModel? cost = null) => _cost = cost ?? CostModel.Default;

    /// <summary>λ over the cumulative per-block totals of every batch so far.</summary>
    public double StreamImbalance
    {
        get
        {
            long total = 0, max = 0;
            foreach (long s in _streamSizes) { total += s; max = Math.Max(max, s); }
            return total == 0 ? 0 : (double)max * _streamSizes.Length / total - 1;
        }
    }

    /// <summary>Σ_k (blocks that ever held k) / (distinct keys of the stream).</summary>
    public double StreamReplication => _streamKeys == 0 ? 1 : (double)_streamPairs / _streamKeys;

    public BatchMetrics Analyze(ReadOnlySpan<int> keys, ReadOnlySpan<int> blocks, int partitions)
    {
        if (blocks.Length != keys.Length) throw new ArgumentException("one block per tuple", nameof(blocks));
        if (partitions < 1) throw new ArgumentOutOfRangeException(nameof(partitions));
        if (_sizes.Length != partitions) { _sizes = new int[partitions]; _distinct = new int[partitions]; }
        else { Array.Clear(_sizes); Array.Clear(_distinct); }
        PrepareStream(partitions);
        (_pairs, _previousPairs) = (_previousPairs, _pairs);
        _pairs.Clear(keys.Length);
        (_keys, _previousKeys) = (_previousKeys, _keys);
        _keys.Clear(keys.Length);
        var table = _keys;

        int distinctKeys = 0, migration = 0;
        long pairs = 0;
        for (int i = 0; i < keys.Length; i++)
        {
            int key = keys[i], block = blocks[i];
            if ((uint)block >= (uint)partitions) throw new ArgumentException($"tuple {i} placed on block {block}, outside [0, {partitions})");
            if (key >= _streamKeyCapacity) GrowKeys(key);
            _sizes[block]++;
            int slot = table.Slot(key, out bool first);
            if (first)
            {
                table.Count[slot] = 0;
                table.Fragments[slot] = 0;
                table.LastBlock[slot] = -1;
                if (distinctKeys == _touched.Length) Array.Resize(ref _touched, _touched.Length * 2);
                _touched[distinctKeys++] = slot;
            }
            table.Count[slot]++;
            if (table.LastBlock[slot] != block)
            {
                table.LastBlock[slot] = block;
                if (_pairs.Add(key, block))
                {
                    pairs++;
                    table.Fragments[slot]++;
                    _distinct[block]++;
                    MarkStream(key, block);
                }
                table.LastMigrates[slot] = _previousKeys.Contains(key) && !_previousPairs.Contains(key, block);
            }
            if (table.LastMigrates[slot]) migration++;
        }

        long weighted = 0;
        int split = 0;
        for (int j = 0; j < distinctKeys; j++)
        {
            int slot = _touched[j];
            weighted += (long)table.Count[slot] * table.Fragments[slot];
            if (table.Fragments[slot] > 1) split++;
        }
        double slowest = 0;
        int maxSize = 0, maxDistinct = 0;
        for (int b = 0; b < partitions; b++)
        {
            _streamSizes[b] += _sizes[b];
            maxSize = Math.Max(maxSize, _sizes[b]);
            maxDistinct = Math.Max(maxDistinct, _distinct[b]);
            slowest = Math.Max(slowest, _cost.BlockTime(_sizes[b], _distinct[b]));
        }
        int t = keys.Length;
        int extra = (int)(pairs - distinctKeys);
        return new BatchMetrics(
            t, distinctKeys, partitions,
            t == 0 ? 0 : (double)maxSize * partitions / t - 1,
            pairs == 0 ? 0 : (double)maxDistinct * partitions / pairs - 1,
            distinctKeys == 0 ? 1 : (double)pairs / distinctKeys,
            t == 0 ? 1 : (double)weighted / t,
            split, extra, migration,
            _cost.BatchTime(slowest, extra, partitions));
    }

    private void PrepareStream(int partitions)
    {
        if (_streamSizes.Length < partitions) Array.Resize(ref _streamSizes, partitions);
        int words = (partitions + 63) / 64;
        if (words > _streamWords)
        {
            var wider = new ulong[_streamKeyCapacity * words];
            for (int k = 0; k < _streamKeyCapacity && _streamWords > 0; k++)
                Array.Copy(_streamKeyBlocks, k * _streamWords, wider, k * words, _streamWords);
            _streamKeyBlocks = wider;
            _streamWords = words;
        }
    }

    private void MarkStream(int key, int block)
    {
        int index = key * _streamWords + (block >> 6);
        ulong bit = 1UL << (block & 63);
        ulong word = _streamKeyBlocks[index];
        if ((word & bit) != 0) return;
        if (IsNewStreamKey(key)) _streamKeys++;
        _streamKeyBlocks[index] = word | bit;
        _streamPairs++;
    }

    private bool IsNewStreamKey(int key)
    {
        var words = _streamKeyBlocks.AsSpan(key * _streamWords, _streamWords);
        foreach (ulong w in words) if (w != 0) return false;
        return true;
    }

    private void GrowKeys(int key)
    {
        _streamKeyCapacity = KeyArrays.Capacity(key);
        Array.Resize(ref _streamKeyBlocks, _streamKeyCapacity * Math.Max(1, _streamWords));
    }
}
