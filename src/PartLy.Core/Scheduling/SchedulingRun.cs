using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;
using PartLy.Core.Streams;

namespace PartLy.Core.Scheduling;

/// <summary>
/// One scheduler over one time-batched stream: before each batch the scheduler picks P_b, the partitioner places the
/// batch into P_b blocks, the cost model gives its processing time, and the queue its delay and latency. A rescale
/// moves the state of the keys whose block changes: each of the batch's tuples on a block that did not hold its key
/// last batch costs <c>migrationCost</c> µs. With a provisioning lag, more blocks arrive <c>lag</c> batches after
/// they are asked for (fewer take effect at once). Informed, a rule is told a sketch of the batch (<see cref="BatchSketch"/>) before it chooses, and the partitioner the batch's size.
/// </summary>
public static class SchedulingRun
{
    public static IReadOnlyList<BatchTiming> Run(StreamSpec stream, BatchPolicy.ByInterval policy, Partitioner partitioner, IScheduler scheduler,
        CostModel cost, int startPartitions, int maxPartitions, int minPartitions = 1, CancellationToken cancel = default, long maxBatches = long.MaxValue,
        double migrationCost = 0, int lag = 0, bool informed = false)
    {
        if (migrationCost < 0) throw new InputException($"the migration cost must be 0 or more, got {migrationCost}");
        if (lag < 0) throw new InputException($"the provisioning lag must be 0 or more batches, got {lag}");
        var pending = new Queue<(long Due, int Partitions)>();
        if (minPartitions < 1) throw new InputException($"the smallest parallelism must be at least 1, got {minPartitions}");
        if (startPartitions < minPartitions || startPartitions > maxPartitions)
            throw new InputException($"the starting parallelism {startPartitions} must be within [{minPartitions}, {maxPartitions}]");
        var queue = new BatchQueue(policy.Microseconds);
        var analyzer = new BatchAnalyzer(cost);
        var timings = new List<BatchTiming>();
        int partitions = startPartitions;
        BatchTiming? last = null;
        BatchSketch? lastSketch = null;
        int[] blocks = new int[1024];
        using var source = stream.Open();
        var batcher = new MicroBatcher(source, policy);
        while (timings.Count < maxBatches && batcher.TryNext(out var batch))
        {
            cancel.ThrowIfCancellationRequested();
            var sketch = informed ? BatchSketch.Of(batch.Keys) : null;
            int chosen = scheduler.Choose(new SchedulerContext(batch.Index, partitions, minPartitions, maxPartitions, queue.Interval, last, queue.Backlog, sketch, lastSketch));
            lastSketch = sketch;
            if (chosen < minPartitions || chosen > maxPartitions)
                throw new InvalidOperationException($"scheduler {scheduler.Name} chose {chosen} blocks, outside [{minPartitions}, {maxPartitions}]");
            int previous = partitions;
            if (chosen > partitions && lag > 0)
            {
                if (pending.Count == 0 || pending.Last().Partitions != chosen) pending.Enqueue((batch.Index + lag, chosen));
            }
            else
            {
                partitions = chosen;
                if (chosen < previous) pending.Clear();
            }
            while (pending.Count > 0 && pending.Peek().Due <= batch.Index) partitions = pending.Dequeue().Partitions;
            if (blocks.Length < batch.Count) blocks = new int[Math.Max(batch.Count, blocks.Length * 2)];
            var placed = blocks.AsSpan(0, batch.Count);
            partitioner.Partition(new BatchContext(batch.Index, partitions, informed ? batch.Count : batch.ExpectedTuples), batch.Keys, placed);
            var metrics = analyzer.Analyze(batch.Keys, placed, partitions);
            bool rescaled = batch.Index > 0 && partitions != previous;
            double time = metrics.ProcessingTime + (rescaled ? migrationCost * metrics.Migration : 0);
            var timing = queue.Run(batch.IntervalEnd, time, partitions) with
            {
                Rescaled = rescaled,
                Tuples = batch.Count,
                Migrated = rescaled ? metrics.MigrationFraction : 0,
                MigrationFloor = rescaled ? (double)Math.Abs(partitions - previous) / Math.Max(partitions, previous) : 0,
            };
            timings.Add(timing);
            last = timing;
        }
        return timings;
    }
}
