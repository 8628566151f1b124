namespace PartLy.Core.Scheduling;

/// <summary>What a scheduler knows when it picks the next batch's parallelism (reactive: batches before it only).</summary>
/// <param name="Last">The previous batch's timing (null before the first).</param>
/// <param name="Backlog">Work queued when the next batch is ready, in microseconds.</param>
public sealed record SchedulerContext(long Batch, int Partitions, int MinPartitions, int MaxPartitions, double Interval, BatchTiming? Last, double Backlog);

/// <summary>Picks the parallelism of each micro-batch. One instance serves one run: it may keep state across batches.</summary>
public interface IScheduler
{
    string Name { get; }

    /// <summary>The next batch's parallelism, within [MinPartitions, MaxPartitions].</summary>
    int Choose(SchedulerContext context);
}

/// <summary>Holds the parallelism it starts with.</summary>
public sealed class FixedScheduler : IScheduler
{
    public string Name => "fixed";

    public int Choose(SchedulerContext context) => context.Partitions;
}

/// <summary>
/// DS2 (Kalavri et al., OSDI 2018) in its micro-batch form: P′ = ⌈P·T/I⌉ from the last batch's processing time T
/// (the true rate counts busy time only), ignoring <c>warmup</c> batches after a change and changing only when P′
/// differs from P by at least <c>activation</c>.
/// </summary>
public sealed class Ds2Scheduler(int warmup = 2, int activation = 1) : IScheduler
{
    private long _quietUntil;

    public string Name => "ds2";

    public int Choose(SchedulerContext context)
    {
        if (context.Last is not { } last || context.Batch < _quietUntil) return context.Partitions;
        int target = (int)Math.Ceiling(last.Partitions * last.ProcessingTime / context.Interval);
        target = Math.Clamp(target, context.MinPartitions, context.MaxPartitions);
        if (Math.Abs(target - context.Partitions) < activation) return context.Partitions;
        _quietUntil = context.Batch + 1 + warmup;
        return target;
    }
}
