namespace PartLy.Core.Scheduling;

/// <summary>What a scheduler knows when it picks the next batch's parallelism (reactive: batches before it only).</summary>
/// <param name="Last">The previous batch's timing (null before the first).</param>
/// <param name="Backlog">Work queued when the next batch is ready, in microseconds.</param>
/// <param name="Coming">Informed mode: a sketch of the batch to size (its size, distinct keys, heaviest keys), known at batch close before its tasks start; null when reactive.</param>
/// <param name="LastSketch">Informed mode: the same sketch of the previous batch (null before the first, or when reactive).</param>
public sealed record SchedulerContext(long Batch, int Partitions, int MinPartitions, int MaxPartitions, double Interval, BatchTiming? Last, double Backlog,
    BatchSketch? Coming = null, BatchSketch? LastSketch = null);

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
/// DS2 (Kalavri et al., OSDI 2018) in its micro-batch form: at the end of each decision window of <c>window</c>
/// batches, P′ = ⌈P·T̄/I⌉ from the window's mean processing time T̄ (the true rate counts busy time only); the
/// <c>warmup</c> batches after a change are ignored, and P changes only when P′ differs from P by at least
/// <c>activation</c>.
/// </summary>
public sealed class Ds2Scheduler(int warmup = 2, int activation = 1, int window = 5) : IScheduler
{
    private long _quietUntil;
    private double _busy;
    private int _seen;

    public string Name => "ds2";

    public int Choose(SchedulerContext context)
    {
        if (context.Last is not { } last || last.Index < _quietUntil) return context.Partitions;
        _busy += last.ProcessingTime * last.Partitions;
        if (++_seen < window) return context.Partitions;
        int target = (int)Math.Ceiling(_busy / _seen / context.Interval);
        _busy = 0;
        _seen = 0;
        target = Math.Clamp(target, context.MinPartitions, context.MaxPartitions);
        if (Math.Abs(target - context.Partitions) < activation) return context.Partitions;
        _quietUntil = context.Batch + warmup;
        return target;
    }
}
