using PartLy.Core.Hashing;

namespace PartLy.Core.Partitioning;

/// <summary>
/// Holistic, the routing-table partitioner of the Dynamic-Balance simulator (slb2's HolisticPartitioner, a D-Choices
/// descendant). Lossy counting (error δ/10) estimates each key's share of the stream; a key whose share is at most δ
/// (10⁻⁶) is hashed. A head key routes among the blocks of its routing table: while its regional imbalance, the mean
/// load of those blocks against the mean load of all, is at most β (1%), to the least loaded of them (an empty table
/// takes the key's hash block); above β, to the least loaded block of all, which joins the table. Loads are the
/// stream's cumulative loads (the state carries across batches, as in the simulator).
/// </summary>
public sealed class Holistic : Partitioner
{
    private readonly double _delta, _beta;
    private readonly LossyCounter _counts;
    private int _partitions, _words;
    private long[] _load = [];
    private ulong[] _table = [];

    public Holistic(double delta = 1e-6, double beta = 0.01)
    {
        if (delta is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(delta), $"delta must be in (0, 1), got {delta}");
        if (beta < 0) throw new ArgumentOutOfRangeException(nameof(beta), $"beta must be 0 or more, got {beta}");
        _delta = delta;
        _beta = beta;
        _counts = new LossyCounter(delta * 0.1);
    }

    public override string Name => "Holistic";

    public override string State
    {
        get
        {
            int routed = 0;
            for (int k = 0; k < _table.Length / Math.Max(1, _words); k++)
            {
                int blocks = 0;
                for (int w = 0; w < _words; w++) blocks += System.Numerics.BitOperations.PopCount(_table[k * _words + w]);
                if (blocks > 0) routed++;
            }
            return $"counted_keys={_counts.Monitored},routing_table_keys={routed}";
        }
    }

    protected override void Route(in BatchContext context, ReadOnlySpan<int> keys, Span<int> blocks)
    {
        int p = context.Partitions;
        if (p != _partitions)
        {
            _partitions = p;
            _words = (p + 63) / 64;
            _load = new long[p];
            _table = new ulong[_table.Length / Math.Max(1, _words) * _words];
        }
        for (int i = 0; i < keys.Length; i++)
        {
            int key = keys[i];
            if ((key + 1) * _words > _table.Length) Array.Resize(ref _table, KeyArrays.Capacity(key) * _words);
            long count = _counts.Add(key);
            double share = (float)count / _counts.Total;
            int block;
            if (share <= _delta) block = Murmur3.Candidate(key, 0, p);
            else if (RegionalImbalance(key) <= _beta) block = LeastLoadedInTable(key);
            else
            {
                block = LeastLoaded(_load);
                Join(key, block);
            }
            _load[block]++;
            blocks[i] = block;
        }
    }

    private float RegionalImbalance(int key)
    {
        float average = (_counts.Total - 1) / (float)_partitions;
        if (average == 0) return 0f;
        long regional = 0;
        int members = 0;
        for (int w = 0; w < _words; w++)
            for (ulong bits = _table[key * _words + w]; bits != 0; bits &= bits - 1)
            {
                regional += _load[w * 64 + System.Numerics.BitOperations.TrailingZeroCount(bits)];
                members++;
            }
        regional = members == 0 ? _load[Murmur3.Candidate(key, 0, _partitions)] : regional / members;
        return (regional - average) / average;
    }

    private int LeastLoadedInTable(int key)
    {
        int best = -1;
        long min = int.MaxValue;
        for (int w = 0; w < _words; w++)
            for (ulong bits = _table[key * _words + w]; bits != 0; bits &= bits - 1)
            {
                int b = w * 64 + System.Numerics.BitOperations.TrailingZeroCount(bits);
                if (_load[b] < min) { min = _load[b]; best = b; }
            }
        if (best >= 0) return best;
        int hashed = Murmur3.Candidate(key, 0, _partitions);
        Join(key, hashed);
        return hashed;
    }

    private void Join(int key, int block) => _table[key * _words + (block >> 6)] |= 1UL << (block & 63);

    private static int LeastLoaded(long[] loads)
    {
        int best = 0;
        for (int b = 1; b < loads.Length; b++) if (loads[b] < loads[best]) best = b;
        return best;
    }
}

/// <summary>
/// Lossy counting (Manku and Motwani, 2002): counts within an error of ε·N; at the end of each bucket of ⌈1/ε⌉
/// tuples, keys whose count plus their insertion error no longer reach the bucket number are forgotten.
/// </summary>
internal sealed class LossyCounter(double error)
{
    private readonly long _width = (long)Math.Ceiling(1 / error);
    private long[] _count = [];
    private long[] _error = [];
    private readonly List<int> _monitored = [];

    public long Total { get; private set; }

    /// <summary>Keys counted now (the others were pruned or never seen).</summary>
    public int Monitored => _monitored.Count;

    /// <summary>Counts the key and returns its estimated count.</summary>
    public long Add(int key)
    {
        if (key >= _count.Length)
        {
            int size = KeyArrays.Capacity(key);
            Array.Resize(ref _count, size);
            Array.Resize(ref _error, size);
        }
        Total++;
        long bucket = (Total + _width - 1) / _width;
        if (_count[key] == 0) { _error[key] = bucket - 1; _monitored.Add(key); }
        long estimate = ++_count[key];
        if (Total % _width == 0) Prune(bucket);
        return estimate;
    }

    private void Prune(long bucket)
    {
        int kept = 0;
        for (int i = 0; i < _monitored.Count; i++)
        {
            int key = _monitored[i];
            if (_count[key] + _error[key] > bucket) _monitored[kept++] = key;
            else _count[key] = 0;
        }
        _monitored.RemoveRange(kept, _monitored.Count - kept);
    }
}
