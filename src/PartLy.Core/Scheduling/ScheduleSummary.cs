using PartLy.Core.Metrics;

namespace PartLy.Core.Scheduling;

/// <summary>
/// A scheduler's run in figures (times in microseconds): late batches (latency above the interval), batches over the
/// interval (processing time above it), recovery (batches after the last rate change until three in a row are on
/// time; the rest of the run if they never are; null without a known change), rescales, resource-seconds (Σ P_b × I:
/// the slots held for each interval), the mean parallelism, over-provisioning against the oracle (Σ P_b / Σ P*_b − 1),
/// latency, per rescale the share of tuples whose key's state moved against the floor |ΔP| / max(P, P′) (null without
/// a rescale), the rescales after the last rate change until P settles (holds for 20 batches with none late; null
/// without a known change), the team cost, and how many batches it kept within the interval on fewer blocks than the oracle chose
/// (the oracle is a per-batch lower bound when this is 0; its partitioner's memory at each P can make it not quite
/// one). One record is the JSON and CSV schema of <c>partly schedule</c>.
/// </summary>
public sealed record ScheduleSummary(
    string Scheduler, string Partitioner, long Batches, long LateBatches, double LateShare, long OverIntervalBatches, long? RecoveryBatches,
    long Rescales, double ResourceSeconds, double MeanPartitions, double OverProvisioning, double LatencyMean, double LatencyP95, double LatencyMax,
    double? MigratedSharePerRescale, double? MigrationFloorPerRescale, double TeamCost, long BelowOracleWithinInterval, long? SettlingRescales)
{
    /// <param name="oracle">The informed oracle's run on the same stream, for over-provisioning.</param>
    /// <param name="lastChange">Stream time (µs) of the last change of the arrival rate, if known.</param>
    /// <param name="team">The team cost's weights; resources are counted against <paramref name="referencePartitions"/>.</param>
    public static ScheduleSummary Of(string scheduler, string partitioner, IReadOnlyList<BatchTiming> run, double interval, OracleRun oracle,
        TeamCost team, int referencePartitions, double? lastChange = null)
    {
        if (run.Count == 0) throw new InputException("the stream produced no batch");
        if (run.Count > oracle.Partitions.Count) throw new ArgumentException($"the run has {run.Count} batches, the oracle's {oracle.Partitions.Count}", nameof(run));
        long late = 0, over = 0, rescales = 0, belowOracle = 0;
        double slots = 0, migrated = 0, floor = 0;
        var latency = new List<double>(run.Count);
        for (int i = 0; i < run.Count; i++)
        {
            var t = run[i];
            if (t.Late) late++;
            if (t.OverInterval) over++;
            else if (t.Partitions < oracle.Partitions[i]) belowOracle++;
            if (i > 0 && t.Partitions != run[i - 1].Partitions) { rescales++; migrated += t.Migrated; floor += t.MigrationFloor; }
            slots += t.Partitions;
            latency.Add(t.Latency);
        }
        var stat = Stat.Of(latency);
        return new ScheduleSummary(scheduler, partitioner, run.Count, late, (double)late / run.Count, over, Recovery(run, interval, lastChange), rescales,
            slots * interval / 1e6, slots / run.Count, slots / oracle.Partitions.Sum(p => (double)p) - 1, stat.Mean, stat.P95, stat.Max,
            rescales == 0 ? null : migrated / rescales, rescales == 0 ? null : floor / rescales, team.Mean(run, interval, referencePartitions), belowOracle,
            Settling(run, interval, lastChange));
    }

    /// <summary>Batches P must hold, none late, for a run to count as settled.</summary>
    public const int SettledBatches = 20;

    /// <summary>
    /// Rescales from the first batch cut after <paramref name="lastChange"/> until the first of
    /// <see cref="SettledBatches"/> batches in a row at one P with none late (every rescale after the change when P never settles).
    /// </summary>
    public static long? Settling(IReadOnlyList<BatchTiming> run, double interval, double? lastChange)
    {
        if (lastChange is not double change) return null;
        int first = FirstAfter(run, interval, change);
        long rescales = 0;
        int streak = 0;
        for (int i = first; i < run.Count; i++)
        {
            bool rescaled = i > 0 && run[i].Partitions != run[i - 1].Partitions;
            if (rescaled) rescales++;
            streak = run[i].Late ? 0 : rescaled ? 1 : streak + 1;
            if (streak == SettledBatches) return rescales;
        }
        return rescales;
    }

    private static int FirstAfter(IReadOnlyList<BatchTiming> run, double interval, double change)
    {
        int first = 0;
        while (first < run.Count && run[first].Ready - interval < change) first++;
        return first;
    }

    /// <summary>Batches from the first one cut after <paramref name="lastChange"/> until the first of three on time in a row.</summary>
    public static long? Recovery(IReadOnlyList<BatchTiming> run, double interval, double? lastChange)
    {
        if (lastChange is not double change) return null;
        int first = FirstAfter(run, interval, change);
        int streak = 0;
        for (int i = first; i < run.Count; i++)
        {
            streak = run[i].Late ? 0 : streak + 1;
            if (streak == 3) return i - 2 - first;
        }
        return run.Count - first;
    }
}
