namespace PartLy.Core.Partitioning;

/// <summary>
/// The two-candidate partitioners of Katsipoulakis et al. ("A holistic view of stream partitioning costs",
/// VLDB 2017), which weigh aggregation cost (how many blocks hold a key) against imbalance.
/// CM: of the two hash candidates, the one holding fewer distinct keys in this batch (the less loaded on ties).
/// cAM: a key stays on a candidate that already holds it while that block is not above the batch's mean load;
/// otherwise the less loaded candidate takes it.
/// </summary>
public sealed class CardinalityAware(bool affinity) : Partitioner
{
    private long[] _keyBatch = [];
    private byte[] _keyHolders = [];  // bit c set: candidate c holds the key in batch _keyBatch[key] + 1
    private int[] _distinct = [];

    public override string Name => affinity ? "cAM" : "CM";

    protected override void Route(in BatchContext context, ReadOnlySpan<int> keys, Span<int> blocks)
    {
        int p = context.Partitions;
        long stamp = context.Index + 1;
        if (_distinct.Length != p) _distinct = new int[p]; else Array.Clear(_distinct);
        var loads = Loads;
        for (int i = 0; i < keys.Length; i++)
        {
            int key = keys[i];
            EnsureKey(ref _keyBatch, key);
            EnsureKey(ref _keyHolders, key);
            if (_keyBatch[key] != stamp) { _keyBatch[key] = stamp; _keyHolders[key] = 0; }
            int c0 = Hashing.Murmur3.Candidate(key, 0, p), c1 = Hashing.Murmur3.Candidate(key, 1, p);
            int holders = _keyHolders[key];
            int choice = affinity ? ChooseAffinity(loads, c0, c1, holders, (double)i / p) : ChooseCardinality(loads, c0, c1, holders);
            int block = choice == 0 ? c0 : c1;
            if ((holders & (1 << choice)) == 0 && !(c0 == c1 && holders != 0))
            {
                _keyHolders[key] = (byte)(holders | (1 << choice));
                _distinct[block]++;
            }
            blocks[i] = block;
            loads[block]++;
        }
    }

    private int ChooseCardinality(Span<int> loads, int c0, int c1, int holders)
    {
        int d0 = _distinct[c0] + ((holders & 1) == 0 ? 1 : 0);
        int d1 = _distinct[c1] + ((holders & 2) == 0 ? 1 : 0);
        if (d0 != d1) return d0 < d1 ? 0 : 1;
        return loads[c1] < loads[c0] ? 1 : 0;
    }

    private static int ChooseAffinity(Span<int> loads, int c0, int c1, int holders, double meanLoad)
    {
        int lessLoaded = loads[c1] < loads[c0] ? 1 : 0;
        if (holders == 3) return lessLoaded;
        if (holders != 0)
        {
            int held = holders == 1 ? 0 : 1;
            if (loads[held == 0 ? c0 : c1] <= meanLoad) return held;
        }
        return lessLoaded;
    }
}
