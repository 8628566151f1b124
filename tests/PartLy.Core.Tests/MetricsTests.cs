using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;
using PartLy.Core.Streams;

namespace PartLy.Core.Tests;

public class MetricsTests
{
    [Fact]
    public void Metrics_of_a_hand_computed_batch()
    {
        var analyzer = new BatchAnalyzer(new CostModel(1, 2, 5, 10));
        var m = analyzer.Analyze([1, 1, 1, 2, 2, 3], [0, 0, 1, 1, 1, 0], 2);
        Assert.Equal(6, m.Tuples);
        Assert.Equal(3, m.Keys);
        Assert.Equal(0.0, m.SizeImbalance, 12);
        Assert.Equal(0.0, m.CardinalityImbalance, 12);
        Assert.Equal(4.0 / 3, m.Replication, 12);
        Assert.Equal(1.5, m.WeightedReplication, 12);
        Assert.Equal(1, m.SplitKeys);
        Assert.Equal(1, m.ExtraFragments);
        Assert.Equal(0, m.Migration);
        Assert.Equal(7 + 5 + 20, m.ProcessingTime, 12);
    }

    [Fact]
    public void Migration_counts_tuples_whose_block_did_not_hold_their_key_last_batch()
    {
        var analyzer = new BatchAnalyzer();
        analyzer.Analyze([1, 1, 1, 2, 2, 3], [0, 0, 1, 1, 1, 0], 2);
        var m = analyzer.Analyze([1, 1, 2, 4], [1, 0, 0, 1], 2);
        Assert.Equal(1, m.Migration);
        Assert.Equal(0.25, m.MigrationFraction, 12);
        Assert.Equal(0.0, analyzer.StreamImbalance, 12);
        Assert.Equal(1.5, analyzer.StreamReplication, 12);
    }

    [Fact]
    public void Metrics_match_a_direct_count_over_random_batches_of_a_stream()
    {
        var rng = new SplitMix64(17);
        var analyzer = new BatchAnalyzer();
        var previous = new HashSet<(int, int)>();
        for (int batch = 0; batch < 30; batch++)
        {
            int n = 1 + (int)(rng.NextDouble() * 300), p = 7;
            var keys = new int[n];
            var blocks = new int[n];
            for (int i = 0; i < n; i++)
            {
                keys[i] = (int)(rng.NextDouble() * rng.NextDouble() * 60);
                blocks[i] = rng.NextDouble() < 0.7 ? keys[i] % p : (int)(rng.NextDouble() * p);
            }
            var m = analyzer.Analyze(keys, blocks, p);
            var pairs = new HashSet<(int, int)>();
            for (int i = 0; i < n; i++) pairs.Add((keys[i], blocks[i]));
            var distinct = keys.Distinct().ToArray();
            var previousKeys = previous.Select(x => x.Item1).ToHashSet();
            int migration = Enumerable.Range(0, n).Count(i => previousKeys.Contains(keys[i]) && !previous.Contains((keys[i], blocks[i])));
            int fragments(int k) => pairs.Count(x => x.Item1 == k);
            Assert.Equal(distinct.Length, m.Keys);
            Assert.Equal((double)pairs.Count / distinct.Length, m.Replication, 12);
            Assert.Equal((double)keys.Sum(k => fragments(k)) / n, m.WeightedReplication, 12);
            Assert.Equal(distinct.Count(k => fragments(k) > 1), m.SplitKeys);
            Assert.Equal(pairs.Count - distinct.Length, m.ExtraFragments);
            Assert.Equal(migration, m.Migration);
            previous = pairs;
        }
    }

    [Fact]
    public void Imbalance_is_max_over_mean_minus_one()
    {
        var m = new BatchAnalyzer().Analyze([1, 2, 3, 4, 5, 6, 7, 8], [0, 0, 0, 0, 0, 0, 1, 2], 4);
        Assert.Equal(6.0 / 2 - 1, m.SizeImbalance, 12);
        Assert.Equal(6.0 / 2 - 1, m.CardinalityImbalance, 12);
        Assert.Equal(1.0, m.Replication, 12);
    }

    [Fact]
    public void A_block_outside_the_partitions_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => new BatchAnalyzer().Analyze([1, 2], [0, 3], 3));
    }

    [Fact]
    public void Stats_are_mean_nearest_rank_p95_and_max()
    {
        var values = Enumerable.Range(1, 100).Select(i => (double)i).ToList();
        var s = Stat.Of(values);
        Assert.Equal(50.5, s.Mean, 12);
        Assert.Equal(95, s.P95);
        Assert.Equal(100, s.Max);
    }

    [Fact]
    public void Bounds_hold_against_brute_force_on_tiny_batches()
    {
        var rng = new SplitMix64(3);
        for (int trial = 0; trial < 60; trial++)
        {
            int p = 2 + rng.NextInt(2), t = 3 + rng.NextInt(5), k = 1 + rng.NextInt(4);
            var keys = new int[t];
            for (int i = 0; i < t; i++) keys[i] = rng.NextDouble() < 0.5 ? 0 : rng.NextInt(k);
            var counts = new KeyCounts();
            counts.Count(keys);
            var bounds = BatchBounds.Compute(counts, p);
            int capacity = (t + p - 1) / p;
            double bestNoSplit = double.MaxValue, bestReplication = double.MaxValue, bestWeighted = double.MaxValue;
            var blocks = new int[t];
            int total = (int)Math.Pow(p, t);
            for (int code = 0; code < total; code++)
            {
                for (int i = 0, c = code; i < t; i++, c /= p) blocks[i] = c % p;
                var m = new BatchAnalyzer().Analyze(keys, blocks, p);
                if (m.SplitKeys == 0) bestNoSplit = Math.Min(bestNoSplit, m.SizeImbalance);
                if (m.SizeImbalance <= (double)capacity * p / t - 1 + 1e-12)
                {
                    bestReplication = Math.Min(bestReplication, m.Replication);
                    bestWeighted = Math.Min(bestWeighted, m.WeightedReplication);
                }
            }
            Assert.True(bestNoSplit >= bounds.NoSplitFloor - 1e-12, $"no-split {bestNoSplit} < floor {bounds.NoSplitFloor}");
            Assert.True(bestReplication >= bounds.ReplicationFloor - 1e-12, $"replication {bestReplication} < floor {bounds.ReplicationFloor}");
            Assert.True(bestWeighted >= bounds.WeightedReplicationFloor - 1e-12);
        }
    }

    [Fact]
    public void No_split_floor_is_reached_when_one_key_dominates()
    {
        var counts = new KeyCounts();
        counts.Count([0, 0, 0, 0, 1, 1, 2]);
        Assert.Equal(3.0 * 4 / 7 - 1, BatchBounds.Compute(counts, 3).NoSplitFloor, 12);
    }

    [Fact]
    public void Cost_model_parses_its_coefficients_and_rejects_unknown_ones()
    {
        Assert.Equal(new CostModel(2, 0, 1, 3), CostModel.Parse("a=2,b=0,c=1,d=3"));
        var e = Assert.Throws<InputException>(() => CostModel.Parse("a=1,z=2"));
        Assert.Contains("unknown parameter 'z'", e.Message);
    }
}
