using System.Diagnostics;
using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;
using PartLy.Core.Streams;

namespace PartLy.Core.Bench;

/// <summary>A strategy in a bench: the name the user gave it, the partitioner that runs it, and how to make a fresh one (for timing).</summary>
public sealed record BenchEntry(string Strategy, Func<Partitioner> Create);

/// <summary>What was run, and what every strategy reached on it.</summary>
/// <param name="PartialLastBatch">Tuples of a count-based stream's last, shorter batch, left out of the per-batch figures (0: none).</param>
public sealed record BenchReport(
    string Workload, int Partitions, string Batch, long Tuples, long Batches, ulong Seed,
    IReadOnlyList<StrategyResult> Results, BoundsSummary Bounds, CostWeights Weights, int PartialLastBatch = 0);

/// <summary>
/// Runs several strategies over one stream, one pass of the stream per strategy (the stream is opened again for each;
/// streams are deterministic), so that only one strategy's per-key state is alive at a time: memory is that of the
/// largest strategy, not of all of them, and does not grow with the stream's length beyond one value per batch and
/// metric. The first pass also takes the bounds. Routing speed is measured apart, in steady state: a fresh instance
/// of each strategy routes the stream's first <see cref="TimingSampleTuples"/> tuples for <see cref="WarmupSeconds"/>
/// to warm up (the JIT's tiers settle), then in <see cref="TimingWindows"/> windows of <see cref="TimingSeconds"/>
/// each; the figure is the median window's tuples per second (a noisy neighbour spoils a window, not the figure).
/// </summary>
public static class BenchRunner
{
    public const int TimingSampleTuples = 200_000;
    public const double WarmupSeconds = 0.3, TimingSeconds = 0.1;
    public const int TimingWindows = 5;

    /// <param name="onTuples">Called after each batch of each pass with the batch's tuples (a run routes the stream's tuples once per strategy).</param>
    public static BenchReport Run(StreamSpec stream, BatchPolicy policy, int partitions, IReadOnlyList<BenchEntry> entries,
        CostModel cost, ulong seed, Action<long>? onTuples = null, CancellationToken cancel = default, CostWeights? weights = null, bool timeRouting = true)
    {
        if (partitions < 1) throw new InputException($"partitions must be at least 1, got {partitions}");
        if (entries.Count == 0) throw new InputException("no strategy to run");
        var first = new FirstPass(new BoundsAccumulator(), []);
        var results = new StrategyResult[entries.Count];
        for (int s = 0; s < entries.Count; s++)
        {
            var pass = RunPass(stream, policy, partitions, entries[s], cost, weights, s == 0 ? first : null, onTuples, cancel);
            if (s > 0 && (pass.Batches != first.Batches || pass.Tuples != first.Tuples))
                throw new InvalidOperationException($"{first.Description} gave {pass.Tuples} tuples in {pass.Batches} batches on pass {s + 1}, {first.Tuples} in {first.Batches} on the first: the stream is not deterministic");
            // The pass's per-key state is garbage now: let it go before the timing instance and the next pass are made.
            GC.Collect();
            cancel.ThrowIfCancellationRequested();
            double speed = timeRouting ? SteadyTuplesPerSecond(entries[s], first.Sample, partitions) : double.NaN;
            results[s] = pass.Result(speed);
        }
        return new BenchReport(first.Description, partitions, policy.ToString()!, first.Tuples, first.Batches, seed, results, first.Bounds.Result(), weights ?? new CostWeights(), first.PartialLastBatch);
    }

    /// <summary>What only the first pass collects: the bounds, the timing sample, the stream's size.</summary>
    private sealed class FirstPass(BoundsAccumulator bounds, List<MicroBatch> sample)
    {
        public BoundsAccumulator Bounds { get; } = bounds;
        public List<MicroBatch> Sample { get; } = sample;
        public string Description { get; set; } = "";
        public long Tuples { get; set; }
        public long Batches { get; set; }
        public int PartialLastBatch { get; set; }
    }

    private sealed record PassResult(RunAccumulator Accumulator, double StreamImbalance, double StreamReplication, string Parameters, string State, long Tuples, long Batches)
    {
        public StrategyResult Result(double tuplesPerSecond) => Accumulator.Result(StreamImbalance, StreamReplication, tuplesPerSecond, Parameters, State);
    }

    /// <summary>One strategy over the whole stream; with <paramref name="first"/>, also the bounds and the timing sample.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static PassResult RunPass(StreamSpec stream, BatchPolicy policy, int partitions, BenchEntry entry, CostModel cost,
        CostWeights? weights, FirstPass? first, Action<long>? onTuples, CancellationToken cancel)
    {
        var partitioner = entry.Create();
        var analyzer = new BatchAnalyzer(cost);
        var accumulator = new RunAccumulator(entry.Strategy, partitioner.Name, partitioner.Mode, weights);
        var counts = first is null ? null : new KeyCounts();
        int[] blocks = new int[1024];
        long batches = 0, sampleTuples = 0;
        using var source = stream.Open();
        var batcher = new MicroBatcher(source, policy);
        while (batcher.TryNext(out var batch))
        {
            cancel.ThrowIfCancellationRequested();
            if (blocks.Length < batch.Count) blocks = new int[Math.Max(batch.Count, blocks.Length * 2)];
            var keys = batch.Keys.AsSpan();
            var placed = blocks.AsSpan(0, batch.Count);
            // A count-based stream's last batch may be shorter: a batch of one tuple is "unbalanced" by construction, so
            // its figures are kept apart (the stream-level figures still count it).
            bool shorter = batches > 0 && policy is BatchPolicy.ByCount c && batch.Count < c.Tuples;
            if (first is not null)
            {
                counts!.Count(keys);
                if (!shorter) first.Bounds.Add(BatchBounds.Compute(counts, partitions));
                else first.PartialLastBatch = batch.Count;
                if (sampleTuples < TimingSampleTuples) { first.Sample.Add(batch); sampleTuples += batch.Count; }
            }
            partitioner.Partition(new BatchContext(batch.Index, partitions, batch.ExpectedTuples), keys, placed);
            var metrics = analyzer.Analyze(keys, placed, partitions);
            if (!shorter) accumulator.Add(metrics);
            batches++;
            onTuples?.Invoke(batch.Count);
        }
        if (first is not null)
        {
            if (batches == 0) throw new InputException($"{source.Description}: the stream produced no batch");
            first.Description = source.Description;
            first.Tuples = batcher.TuplesRead;
            first.Batches = batches;
        }
        return new PassResult(accumulator, analyzer.StreamImbalance, analyzer.StreamReplication, partitioner.Parameters, partitioner.State, batcher.TuplesRead, batches);
    }

    /// <summary>Tuples per second of a fresh instance over the sample, after the warm-up.</summary>
    private static double SteadyTuplesPerSecond(BenchEntry entry, List<MicroBatch> sample, int partitions)
    {
        var partitioner = entry.Create();
        int largest = 1;
        foreach (var batch in sample) largest = Math.Max(largest, batch.Count);
        int[] blocks = new int[largest];
        long index = 0, warm = 0, sampleTuples = 0;
        foreach (var batch in sample) sampleTuples += batch.Count;
        long warmup = (long)(WarmupSeconds * Stopwatch.Frequency), budget = (long)(TimingSeconds * Stopwatch.Frequency);
        while (warm < warmup) warm += Pass();
        var rates = new double[TimingWindows];
        for (int w = 0; w < rates.Length; w++)
        {
            long ticks = 0, tuples = 0;
            while (ticks < budget) { ticks += Pass(); tuples += sampleTuples; }
            rates[w] = tuples / (ticks / (double)Stopwatch.Frequency);
        }
        Array.Sort(rates);
        return rates[rates.Length / 2];

        long Pass()
        {
            long started = Stopwatch.GetTimestamp();
            foreach (var batch in sample)
                partitioner.Partition(new BatchContext(index++, partitions, batch.ExpectedTuples), batch.Keys, blocks.AsSpan(0, batch.Count));
            return Stopwatch.GetTimestamp() - started;
        }
    }
}
