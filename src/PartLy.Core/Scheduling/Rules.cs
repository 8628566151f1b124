using PartLy.Core.Metrics;

namespace PartLy.Core.Scheduling;

/// <summary>
/// Spark Streaming's dynamic-allocation rule, per batch instead of per minute: every <c>period</c> batches, with
/// ratio = T / I of the last batch, ratio ≥ 0.9 adds round(ratio) blocks and ratio ≤ 0.3 removes one.
/// </summary>
public sealed class SparkScheduler(int period = 1) : IScheduler
{
    public string Name => "spark";

    public int Choose(SchedulerContext context)
    {
        if (context.Last is not { } last || context.Batch % period != 0) return context.Partitions;
        double ratio = last.ProcessingTime / context.Interval;
        int next = ratio >= 0.9 ? context.Partitions + (int)Math.Round(ratio) : ratio <= 0.3 ? context.Partitions - 1 : context.Partitions;
        return Math.Clamp(next, context.MinPartitions, context.MaxPartitions);
    }
}

/// <summary>
/// The Flink Kubernetes operator's band rule (on DS2): utilisation u = T / I; outside [<c>low</c>, <c>high</c>]
/// (0.4, 1.0) it sets P′ = ⌈P·u / target⌉ (target 0.7), never below 0.6·P in one step; a scale-down waits until the
/// utilisation has stayed below the band for <c>delay</c> batches.
/// </summary>
public sealed class FlinkBandScheduler(double target = 0.7, double low = 0.4, double high = 1.0, int delay = 5) : IScheduler
{
    private int _below;

    public string Name => "flink";

    public int Choose(SchedulerContext context)
    {
        if (context.Last is not { } last) return context.Partitions;
        double utilisation = last.ProcessingTime / context.Interval;
        _below = utilisation < low ? _below + 1 : 0;
        if (utilisation >= low && utilisation <= high) return context.Partitions;
        if (utilisation < low && _below < delay) return context.Partitions;
        int next = (int)Math.Ceiling(last.Partitions * utilisation / target);
        next = Math.Max(next, (int)Math.Ceiling(0.6 * context.Partitions));
        if (next < context.Partitions) _below = 0;
        return Math.Clamp(next, context.MinPartitions, context.MaxPartitions);
    }
}

/// <summary>
/// The cost model inverted: the last batch's time is split into its per-block part, which shrinks as 1/P, and
/// d·P; the next P is the smallest whose predicted time plus the backlog fits in <c>headroom</c>·I (0.9), so that
/// a backlog drains; it scales down only when that P has been <c>patience</c> batches (3) below the current one.
/// Informed, the per-block work is scaled by the coming batch's a·tuples + b·distinct keys against the last one's.
/// </summary>
public sealed class CostInversionScheduler(CostModel cost, double headroom = 0.9, int patience = 3) : IScheduler
{
    private int _lower;

    public string Name => "inversion";

    public int Choose(SchedulerContext context)
    {
        if (context.Last is not { } last) return context.Partitions;
        double d = cost.PerPartition;
        double work = Math.Max(0, last.ProcessingTime - d * last.Partitions) * last.Partitions;
        if (context.Coming is { } coming && context.LastSketch is { } before && Work(before) > 0) work *= Work(coming) / Work(before);
        double budget = headroom * context.Interval - context.Backlog;
        int best = context.MaxPartitions;
        for (int p = context.MinPartitions; p <= context.MaxPartitions; p++)
            if (work / p + d * p <= budget) { best = p; break; }
        if (best >= context.Partitions) { _lower = 0; return best; }
        return ++_lower >= patience ? Reset(best) : context.Partitions;
    }

    private double Work(BatchSketch sketch) => cost.PerTuple * sketch.Tuples + cost.PerDistinctKey * sketch.DistinctKeys;

    private int Reset(int partitions)
    {
        _lower = 0;
        return partitions;
    }
}

/// <summary>
/// Dhalion (Floratou et al., VLDB 2017): on backpressure bp (ms per second; here the share of the interval the next
/// batch waits behind the backlog, × 1000) it sets P′ = ⌈P·(1 + min(4, bp / (1000 − bp)))⌉, then sleeps <c>cooldown</c>
/// batches. Its scale-down is read here as one block less after <c>cooldown</c> batches with no backlog and T / I
/// below <c>idle</c> (0.5).
/// </summary>
public sealed class DhalionScheduler(int cooldown = 5, double idle = 0.5) : IScheduler
{
    private long _sleepUntil;
    private int _idle;

    public string Name => "dhalion";

    public int Choose(SchedulerContext context)
    {
        if (context.Last is not { } last || context.Batch < _sleepUntil) return context.Partitions;
        double backpressure = 1000 * Math.Min(1, context.Backlog / context.Interval);
        int next = context.Partitions;
        if (backpressure > 0)
        {
            double growth = backpressure >= 1000 ? 4 : Math.Min(4, backpressure / (1000 - backpressure));
            next = (int)Math.Ceiling(context.Partitions * (1 + growth));
            _idle = 0;
        }
        else if (last.ProcessingTime / context.Interval < idle)
        {
            if (++_idle >= cooldown) { next = context.Partitions - 1; _idle = 0; }
        }
        else _idle = 0;
        next = Math.Clamp(next, context.MinPartitions, context.MaxPartitions);
        if (next != context.Partitions) _sleepUntil = context.Batch + cooldown;
        return next;
    }
}

/// <summary>
/// A reconstruction of Prompt+'s elastic rule (Abdelhamid et al., SIGMOD 2020), which is not published in readable
/// form, from its figure: when T / I of the last batch is above 1, P′ = ⌈P·(T/I) / <c>target</c>⌉ (0.9); when T / I
/// has stayed below <c>low</c> (0.6) for <c>patience</c> batches (3), the same.
/// </summary>
public sealed class PromptScheduler(double target = 0.9, double low = 0.6, int patience = 3) : IScheduler
{
    private int _below;

    public string Name => "prompt";

    public int Choose(SchedulerContext context)
    {
        if (context.Last is not { } last) return context.Partitions;
        double load = last.ProcessingTime / context.Interval;
        _below = load < low ? _below + 1 : 0;
        if (load <= 1 && _below < patience) return context.Partitions;
        _below = 0;
        int next = (int)Math.Ceiling(last.Partitions * load / target);
        return Math.Clamp(next, context.MinPartitions, context.MaxPartitions);
    }
}

/// <summary>The scheduling rules by their command-line names, with parameters by <c>name:k=v</c>.</summary>
public static class SchedulerRules
{
    private sealed record Entry(string Id, string Summary, string[] Parameters, Func<Spec, CostModel, IScheduler> Create);

    private static readonly Entry[] All =
    [
        new("fixed", "holds the starting parallelism", [], (_, _) => new FixedScheduler()),
        new("ds2", "DS2: P′ = ⌈P·T̄/I⌉ over decision windows of batches, ignoring warmup batches after a change (warmup, activation, window)", ["warmup", "activation", "window"],
            (s, _) => new Ds2Scheduler(s.Int("warmup", 2, 0, 1000), s.Int("activation", 1, 1, 1000), s.Int("window", 5, 1, 100_000))),
        new("spark", "Spark dynamic allocation: T/I ≥ 0.9 adds round(T/I), ≤ 0.3 removes one, every period batches (period)", ["period"],
            (s, _) => new SparkScheduler(s.Int("period", 1, 1, 100_000))),
        new("flink", "Flink operator band: outside [low, high] of T/I, P′ = ⌈P·u/target⌉, ≥ 0.6·P, scale-down after delay batches (target, low, high, delay)",
            ["target", "low", "high", "delay"],
            (s, _) => new FlinkBandScheduler(s.Double("target", 0.7, 0.01, 10), s.Double("low", 0.4, 0, 10), s.Double("high", 1.0, 0, 10), s.Int("delay", 5, 0, 100_000))),
        new("prompt", "Prompt+ (a reconstruction from its figure): T/I > 1, or T/I < low for patience batches: P′ = ⌈P·(T/I)/target⌉ (target, low, patience)",
            ["target", "low", "patience"], (s, _) => new PromptScheduler(s.Double("target", 0.9, 0.01, 10), s.Double("low", 0.6, 0, 10), s.Int("patience", 3, 1, 100_000))),
        new("dhalion", "Dhalion: on backpressure (backlog / I) P′ = ⌈P·(1 + min(4, bp/(1000 − bp)))⌉, then sleeps; one less after cooldown idle batches (cooldown, idle)",
            ["cooldown", "idle"], (s, _) => new DhalionScheduler(s.Int("cooldown", 5, 0, 100_000), s.Double("idle", 0.5, 0, 10))),
        new("inversion", "the cost model inverted: smallest P whose predicted T plus backlog fits headroom·I; down after patience batches (headroom, patience)",
            ["headroom", "patience"], (s, cost) => new CostInversionScheduler(cost, s.Double("headroom", 0.9, 0.01, 1), s.Int("patience", 3, 1, 100_000))),
    ];

    public static IReadOnlyList<string> Names { get; } = Array.ConvertAll(All, e => e.Id);

    public static IEnumerable<(string Id, string Summary)> Describe() => All.Select(e => (e.Id, e.Summary));

    /// <param name="cost">The cost model, which the inversion rule inverts.</param>
    public static IScheduler Create(string text, CostModel cost)
    {
        var spec = Spec.Parse(text);
        var entry = Array.Find(All, e => e.Id == spec.Name)
            ?? throw new InputException($"unknown scheduler '{spec.Name}' (allowed: {string.Join(", ", Names)})");
        var scheduler = entry.Create(spec, cost);
        spec.EnsureAllRead(entry.Parameters);
        return scheduler;
    }
}
