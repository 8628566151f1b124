using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;
using PartLy.Core.Streams;

namespace PartLy.Core.Scheduling;

/// <summary>
/// One scheduler over one time-batched stream, without actors: before each batch the scheduler picks P_b, the
/// partitioner places the batch into P_b blocks, the cost model gives its processing time, and the queue its delay
/// and latency (<see cref="ElasticRun"/>, which also charges migration and applies the provisioning lag). Informed,
/// a rule is told a sketch of the batch (<see cref="BatchSketch"/>) before it chooses, and the partitioner the batch's size.
/// </summary>
public static class SchedulingRun
{
    public static IReadOnlyList<BatchTiming> Run(StreamSpec stream, BatchPolicy.ByInterval policy, Partitioner partitioner, IScheduler scheduler,
        CostModel cost, int startPartitions, int maxPartitions, int minPartitions = 1, CancellationToken cancel = default, long maxBatches = long.MaxValue,
        double migrationCost = 0, int lag = 0, bool informed = false)
    {
        var run = new ElasticRun(scheduler, policy.Microseconds, startPartitions, maxPartitions, minPartitions, migrationCost, lag);
        var analyzer = new BatchAnalyzer(cost);
        var timings = new List<BatchTiming>();
        int[] blocks = new int[1024];
        using var source = stream.Open();
        var batcher = new MicroBatcher(source, policy);
        while (timings.Count < maxBatches && batcher.TryNext(out var batch))
        {
            cancel.ThrowIfCancellationRequested();
            int partitions = run.Decide(batch.Index, informed ? BatchSketch.Of(batch.Keys) : null);
            timings.Add(run.Complete(batch.IntervalEnd, Place(partitioner, analyzer, batch.Index, batch.Keys, batch.ExpectedTuples, partitions, informed, ref blocks)));
        }
        return timings;
    }

    /// <summary>
    /// Places a batch into <paramref name="partitions"/> blocks (into the first keys.Length of <paramref name="blocks"/>,
    /// grown as needed) and measures it. Informed, the partitioner is told the batch's size; reactive, what it expects.
    /// </summary>
    public static BatchMetrics Place(Partitioner partitioner, BatchAnalyzer analyzer, long index, int[] keys, int expectedTuples, int partitions, bool informed, ref int[] blocks)
    {
        if (blocks.Length < keys.Length) blocks = new int[Math.Max(keys.Length, blocks.Length * 2)];
        var placed = blocks.AsSpan(0, keys.Length);
        partitioner.Partition(new BatchContext(index, partitions, informed ? keys.Length : expectedTuples), keys, placed);
        return analyzer.Analyze(keys, placed, partitions);
    }
}
