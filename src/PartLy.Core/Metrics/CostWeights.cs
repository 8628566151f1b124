namespace PartLy.Core.Metrics;

/// <summary>Weights of a batch's full cost (what a learned partitioner's reward charges); each term is scale-free.</summary>
/// <param name="Imbalance">× λ, the size imbalance.</param>
/// <param name="Replication">× (replication − 1), the extra fragments per key.</param>
/// <param name="Cardinality">× cardinality imbalance.</param>
/// <param name="Migration">× the share of tuples that changed block since the previous batch.</param>
public sealed record CostWeights(double Imbalance = 1.0, double Replication = 1.0, double Cardinality = 0.0, double Migration = 0.0)
{
    public double Cost(in BatchMetrics m) =>
        Imbalance * m.SizeImbalance + Replication * (m.Replication - 1) + Cardinality * m.CardinalityImbalance + Migration * m.MigrationFraction;

    public static CostWeights Parse(string text)
    {
        var spec = Spec.Parse("weights:" + text);
        var w = new CostWeights(spec.Double("imbalance", 1, 0), spec.Double("replication", 1, 0), spec.Double("cardinality", 0, 0), spec.Double("migration", 0, 0));
        spec.EnsureAllRead("imbalance", "replication", "cardinality", "migration");
        return w;
    }
}
