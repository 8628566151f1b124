namespace PartLy.Core.Metrics;

/// <summary>
/// Simulated processing time of a batch (PROBLEM.md section 2):
/// max over blocks of (a·L_i + b·distinct_i) + c·(extra fragments) + d·P.
/// Units are whatever a, b, c, d are in (microseconds by convention).
/// </summary>
public sealed record CostModel(double PerTuple = 1.0, double PerDistinctKey = 2.0, double PerExtraFragment = 5.0, double PerPartition = 10.0)
{
    public static CostModel Default { get; } = new();

    public double BlockTime(int tuples, int distinctKeys) => PerTuple * tuples + PerDistinctKey * distinctKeys;

    public double BatchTime(double slowestBlock, int extraFragments, int partitions) =>
        slowestBlock + PerExtraFragment * extraFragments + PerPartition * partitions;

    /// <summary>The text <see cref="Parse"/> reads back to this model (for a node's command line).</summary>
    public string Format() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"a={PerTuple:R},b={PerDistinctKey:R},c={PerExtraFragment:R},d={PerPartition:R}");

    public static CostModel Parse(string text)
    {
        var spec = Spec.Parse("cost:" + text);
        var model = new CostModel(spec.Double("a", 1.0, 0), spec.Double("b", 2.0, 0), spec.Double("c", 5.0, 0), spec.Double("d", 10.0, 0));
        spec.EnsureAllRead("a", "b", "c", "d");
        return model;
    }
}
