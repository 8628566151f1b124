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
    private long[] _keyBatch = new long[1024];
    private long[] _keyPreviousBatch = new long[1024];
    private int[] _keyCount = new int[1024];
    private int[] _keyFragments = new int[1024];
    // The block of the key's last tuple in this batch, and whether a tuple there migrates: a key's next tuple on the
    // same block needs no lookup.
    private int[] _keyLastBlock = new int[1024];
    private bool[] _keyLastMigrates = new bool[1024];
    private int[] _touched = new int[256];
    private long[] _streamSizes = [];
    private ulong[] _streamKeyBlocks = new ulong[1024];
    private int _streamWords;
    private long _streamPairs;
    private long _streamKeys;
    private long _batches = 1; // stamps start at 2, so a key never seen has no "previous batch"

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
        long stamp = ++_batches;
        if (_sizes.Length != partitions) { _sizes = new int[partitions]; _distinct = new int[partitions]; }
        else { Array.Clear(_sizes); Array.Clear(_distinct); }
        PrepareStream(partitions);
        (_pairs, _previousPairs) = (_previousPairs, _pairs);
        _pairs.Clear(keys.Length);

        int distinctKeys = 0, migration = 0;
        long pairs = 0;
        for (int i = 0; i < keys.Length; i++)
        {
            int key = keys[i], block = blocks[i];
            if ((uint)block >= (uint)partitions) throw new ArgumentException($"tuple {i} placed on block {block}, outside [0, {partitions})");
            if (key >= _keyBatch.Length) GrowKeys(key);
            _sizes[block]++;
            if (_keyBatch[key] != stamp)
            {
                _keyPreviousBatch[key] = _keyBatch[key];
                _keyBatch[key] = stamp;
                _keyCount[key] = 0;
                _keyFragments[key] = 0;
                _keyLastBlock[key] = -1;
                if (distinctKeys == _touched.Length) Array.Resize(ref _touched, _touched.Length * 2);
                _touched[distinctKeys++] = key;
            }
            _keyCount[key]++;
            if (_keyLastBlock[key] != block)
            {
                _keyLastBlock[key] = block;
                if (_pairs.Add(key, block))
                {
                    pairs++;
                    _keyFragments[key]++;
                    _distinct[block]++;
                    MarkStream(key, block);
                }
                _keyLastMigrates[key] = _keyPreviousBatch[key] == stamp - 1 && !_previousPairs.Contains(key, block);
            }
            if (_keyLastMigrates[key]) migration++;
        }

        long weighted = 0;
        int split = 0;
        for (int j = 0; j < distinctKeys; j++)
        {
            int key = _touched[j];
            weighted += (long)_keyCount[key] * _keyFragments[key];
            if (_keyFragments[key] > 1) split++;
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
            var wider = new ulong[_keyBatch.Length * words];
            for (int k = 0; k < _keyBatch.Length && _streamWords > 0; k++)
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
        int size = Math.Max(key + 1, _keyBatch.Length * 2);
        Array.Resize(ref _keyBatch, size);
        Array.Resize(ref _keyPreviousBatch, size);
        Array.Resize(ref _keyCount, size);
        Array.Resize(ref _keyFragments, size);
        Array.Resize(ref _keyLastBlock, size);
        Array.Resize(ref _keyLastMigrates, size);
        Array.Resize(ref _streamKeyBlocks, size * Math.Max(1, _streamWords));
    }
}
