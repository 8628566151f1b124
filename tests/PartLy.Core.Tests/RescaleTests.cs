using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;

namespace PartLy.Core.Tests;

/// <summary>What a rescale moves: the same batch placed at P, then at P′, against the floor |ΔP| / max(P, P′).</summary>
public class RescaleTests
{
    private static readonly int[] Batch = SkewedBatch();

    private static int[] SkewedBatch()
    {
        var rng = new Random(5);
        var keys = new int[4000];
        for (int i = 0; i < keys.Length; i++) keys[i] = (int)Math.Min(499, Math.Floor(Math.Pow(rng.NextDouble(), 3) * 500));
        return keys;
    }

    /// <summary>The moved share of each batch: four at <paramref name="from"/>, then three at <paramref name="to"/>.</summary>
    private static double[] MovedShares(string strategy, int from, int to)
    {
        var partitioner = Strategies.Create(strategy);
        var analyzer = new BatchAnalyzer(CostModel.Default);
        var blocks = new int[Batch.Length];
        var shares = new double[7];
        for (int b = 0; b < shares.Length; b++)
        {
            int p = b < 4 ? from : to;
            partitioner.Partition(new BatchContext(b, p, Batch.Length), Batch, blocks);
            shares[b] = analyzer.Analyze(Batch, blocks, p).MigrationFraction;
        }
        return shares;
    }

    [Theory]
    [InlineData(10, 8)]
    [InlineData(8, 10)]
    [InlineData(10, 14)]
    public void The_learned_rules_with_locality_keep_keys_on_the_blocks_that_remain(int from, int to)
    {
        double floor = (double)Math.Abs(to - from) / Math.Max(to, from);
        var moved = MovedShares("reserving:locality=on", from, to);
        Assert.InRange(moved[4], floor * 0.5, floor * 1.6);
        Assert.All(moved[5..], m => Assert.True(m < 0.3, $"after the rescale a repeated batch moves {m:F3}"));
    }

    [Fact]
    public void Consistent_hashing_moves_no_more_than_the_floor_and_hashing_mod_p_moves_most_keys()
    {
        var consistent = MovedShares("ch-bl", 10, 8);
        var hash = MovedShares("hash", 10, 8);
        Assert.All(consistent[1..4], m => Assert.Equal(0, m));
        Assert.InRange(consistent[4], 0.01, 0.2 * 1.2);
        Assert.True(hash[4] > 0.7, $"hash moved {hash[4]:F3}");
        Assert.Equal(0, hash[5]);
    }
}
