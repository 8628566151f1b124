using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;

namespace PartLy.Core.Bench;

/// <summary>A bench report as its JSON document: what was run, one row per strategy, and the bounds.</summary>
public sealed record BenchDocument(
    string Workload, int Partitions, object Batch, long Tuples, long Batches, ulong Seed, CostWeights CostWeights,
    IReadOnlyList<StrategyRow> Results, BoundsRow Bounds, int PartialLastBatchTuples);

/// <summary>One strategy's results (a row of the JSON's results and of the CSV): each per-batch metric's mean, p95 and max over the run.</summary>
public sealed record StrategyRow(
    string Strategy, string Name, string Mode,
    double BatchImbalanceMean, double BatchImbalanceP95, double BatchImbalanceMax,
    double BatchReplicationMean, double BatchReplicationP95, double BatchReplicationMax,
    double BatchWeightedReplicationMean, double BatchWeightedReplicationP95, double BatchWeightedReplicationMax,
    double BatchCardinalityImbalanceMean, double BatchCardinalityImbalanceP95, double BatchCardinalityImbalanceMax,
    double BatchSplitKeysMean, double BatchSplitKeysP95, double BatchSplitKeysMax,
    double BatchExtraFragmentsMean, double BatchExtraFragmentsP95, double BatchExtraFragmentsMax,
    double BatchMigrationMean, double BatchMigrationP95, double BatchMigrationMax,
    double BatchProcessingTimeMean, double BatchProcessingTimeP95, double BatchProcessingTimeMax,
    double BatchCostMean, double BatchCostP95, double BatchCostMax,
    double StreamImbalance, double StreamReplication, double TuplesPerSecond, string Parameters, string State)
{
    public static StrategyRow Of(StrategyResult r) => new(
        r.Strategy, r.Name, r.Mode == InformationMode.Online ? "online" : "buffered",
        r.SizeImbalance.Mean, r.SizeImbalance.P95, r.SizeImbalance.Max,
        r.Replication.Mean, r.Replication.P95, r.Replication.Max,
        r.WeightedReplication.Mean, r.WeightedReplication.P95, r.WeightedReplication.Max,
        r.CardinalityImbalance.Mean, r.CardinalityImbalance.P95, r.CardinalityImbalance.Max,
        r.SplitKeys.Mean, r.SplitKeys.P95, r.SplitKeys.Max,
        r.ExtraFragments.Mean, r.ExtraFragments.P95, r.ExtraFragments.Max,
        r.Migration.Mean, r.Migration.P95, r.Migration.Max,
        r.ProcessingTime.Mean, r.ProcessingTime.P95, r.ProcessingTime.Max,
        r.Cost.Mean, r.Cost.P95, r.Cost.Max,
        r.StreamImbalance, r.StreamReplication, double.IsFinite(r.TuplesPerSecond) ? r.TuplesPerSecond : 0, r.Parameters, r.State);
}

/// <summary>The reference bounds over the run's batches: the no-split floor of λ and the fragment floors of replication.</summary>
public sealed record BoundsRow(
    double NoSplitFloorMean, double NoSplitFloorP95, double NoSplitFloorMax,
    double ReplicationFloorMean, double ReplicationFloorP95, double ReplicationFloorMax,
    double WeightedReplicationFloorMean, double WeightedReplicationFloorP95, double WeightedReplicationFloorMax)
{
    public static BoundsRow Of(BoundsSummary b) => new(
        b.NoSplitFloor.Mean, b.NoSplitFloor.P95, b.NoSplitFloor.Max,
        b.ReplicationFloor.Mean, b.ReplicationFloor.P95, b.ReplicationFloor.Max,
        b.WeightedReplicationFloor.Mean, b.WeightedReplicationFloor.P95, b.WeightedReplicationFloor.Max);
}

/// <summary>Writes a bench report as JSON (<see cref="BenchDocument"/>) or CSV (its <see cref="StrategyRow"/>s), atomically.</summary>
public static class ReportWriter
{
    public static BenchDocument Document(BenchReport report) => new(
        report.Workload, report.Partitions,
        int.TryParse(report.Batch, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int tuples) ? tuples : report.Batch,
        report.Tuples, report.Batches, report.Seed, report.Weights,
        report.Results.Select(StrategyRow.Of).ToList(), BoundsRow.Of(report.Bounds), report.PartialLastBatch);

    public static void WriteJson(BenchReport report, string path) => TypedFiles.WriteJson(path, Document(report));

    public static void WriteCsv(BenchReport report, string path) => TypedFiles.WriteCsv(path, report.Results.Select(StrategyRow.Of));
}
