namespace PartLy.Core.Scheduling;

/// <summary>
/// One batch of one scheduler's run, beside the oracle's parallelism for it (times in microseconds): the row of
/// <c>partly schedule --batches</c>, for plotting a run or checking a rule batch by batch.
/// </summary>
public sealed record ScheduledBatch(
    string Scheduler, long Batch, int Partitions, int OraclePartitions, int Tuples, double Ready, double Start, double ProcessingTime,
    double Delay, double Latency, bool Late, bool OverInterval, bool Rescaled, double Migrated)
{
    public static IEnumerable<ScheduledBatch> Of(string scheduler, IReadOnlyList<BatchTiming> run, OracleRun oracle)
    {
        for (int i = 0; i < run.Count; i++)
        {
            var t = run[i];
            yield return new ScheduledBatch(scheduler, t.Index, t.Partitions, oracle.Partitions[i], t.Tuples, t.Ready, t.Start, t.ProcessingTime,
                t.Delay, t.Latency, t.Late, t.OverInterval, t.Rescaled, t.Migrated);
        }
    }
}
