using PartLy.Core.Hashing;
using PartLy.Core.Sketches;

namespace PartLy.Core.Partitioning;

/// <summary>
/// DKG, distribution-aware key grouping (Rivetti et al., DEBS 2015): a SpaceSaving summary learns the heavy hitters
/// (estimated share at least θ, default 1/(5P)); before each batch they are mapped explicitly, largest first, to the
/// block with the least expected load (hashed tail load seen in the previous batch plus heavy hitters placed so
/// far); every other key is hashed. Never splits a key.
/// </summary>
public sealed class DistributionAwareKeyGrouping(double? theta = null) : Partitioner
{
    private SpaceSaving? _sketch;
    private int _partitions;
    private long[] _mappedBatch = [];
    private int[] _mappedBlock = [];
    private double[] _tailLoad = [];

    public override string Name => "DKG";

    protected override void Route(in BatchContext context, ReadOnlySpan<int> keys, Span<int> blocks)
    {
        int p = context.Partitions;
        double th = theta ?? HeavyHitterChoices.DefaultTheta(p);
        if (_sketch is null || _partitions != p)
        {
            _sketch = new SpaceSaving((int)Math.Ceiling(4.0 / th));
            _partitions = p;
            _tailLoad = new double[p];
        }
        long stamp = context.Index + 1;
        MapHeavyHitters(stamp, th, p, context.ExpectedTuples > 0 ? context.ExpectedTuples : keys.Length);
        Array.Clear(_tailLoad);
        var loads = Loads;
        for (int i = 0; i < keys.Length; i++)
        {
            int key = keys[i];
            _sketch.Offer(key);
            int block;
            if (key < _mappedBatch.Length && _mappedBatch[key] == stamp) block = _mappedBlock[key];
            else { block = Murmur3.Candidate(key, 0, p); _tailLoad[block]++; }
            blocks[i] = block;
            loads[block]++;
        }
    }

    private void MapHeavyHitters(long stamp, double th, int p, int expectedTuples)
    {
        var sketch = _sketch!;
        if (sketch.Total == 0) return;
        var expected = (double[])_tailLoad.Clone();
        foreach (var (key, count) in sketch.HeavyHitters((long)Math.Ceiling(th * sketch.Total)))
        {
            int block = 0;
            for (int b = 1; b < p; b++) if (expected[b] < expected[block]) block = b;
            expected[block] += (double)count / sketch.Total * expectedTuples;
            EnsureKey(ref _mappedBatch, key);
            EnsureKey(ref _mappedBlock, key);
            _mappedBatch[key] = stamp;
            _mappedBlock[key] = block;
        }
    }
}
