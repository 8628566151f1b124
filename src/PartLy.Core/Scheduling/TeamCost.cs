namespace PartLy.Core.Scheduling;

/// <summary>
/// The cost a batch charges the cooperative scenario's team: <c>Late</c> if its latency exceeds the interval,
/// <c>Overrun</c> × (T/I − 1) beyond the interval, <c>Resources</c> × P_b / P_ref (P_ref the starting parallelism) and
/// <c>Rescale</c> when P changed. Defaults 1, 1, 0.1, 0.1: a late batch costs as much as ten rescales, or as ten
/// batches held at the starting parallelism.
/// </summary>
public sealed record TeamCost(double Late = 1, double Overrun = 1, double Resources = 0.1, double Rescale = 0.1)
{
    public double Of(in BatchTiming batch, double interval, int referencePartitions) =>
        (batch.Late ? Late : 0) + Overrun * Math.Max(0, batch.ProcessingTime / interval - 1)
        + Resources * batch.Partitions / referencePartitions + (batch.Rescaled ? Rescale : 0);

    /// <summary>The per-batch mean over a run.</summary>
    public double Mean(IReadOnlyList<BatchTiming> run, double interval, int referencePartitions)
    {
        double sum = 0;
        foreach (var batch in run) sum += Of(batch, interval, referencePartitions);
        return run.Count == 0 ? 0 : sum / run.Count;
    }

    public static TeamCost Parse(string text)
    {
        var spec = Spec.Parse("team:" + text);
        var cost = new TeamCost(spec.Double("late", 1, 0), spec.Double("overrun", 1, 0), spec.Double("resources", 0.1, 0), spec.Double("rescale", 0.1, 0));
        spec.EnsureAllRead("late", "overrun", "resources", "rescale");
        return cost;
    }
}
