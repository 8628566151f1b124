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
/// Runs several strategies side by side over one stream in a single pass: each batch is read once, every strategy
/// places it, and its metrics are taken. Memory does not grow with the stream's length beyond one value per batch
/// and metric. Routing speed is measured apart, in steady state: a fresh instance of each strategy routes the
/// stream's first <see cref="TimingSampleTuples"/> tuples for <see cref="WarmupSeconds"/> to warm up (the JIT's
/// tiers settle), then in <see cref="TimingWindows"/> windows of <see cref="TimingSeconds"/> each; the figure is the
/// median window's tuples per second (a noisy neighbour spoils a window, not the figure).
/// </summary>
public static class BenchRunner
{
    public const int TimingSampleTuples = 200_000;
    public const double WarmupSeconds = 0.3, TimingSeconds = 0.1;
    public const int TimingWindows = 5;

    public static BenchReport Run(ITupleSource source, BatchPolicy policy, int partitions, IReadOnlyList<BenchEntry> entries,
        CostModel cost, ulong seed, Action<long>? onTuples = null, CancellationToken cancel = default, CostWeights? weights = null, bool timeRouting = true)
    {
        if (partitions < 1) throw new InputException($"partitions must be at least 1, got {partitions}");
        if (entries.Count == 0) throw new InputException("no strategy to run");
        var batcher = new MicroBatcher(source, policy);
        var counts = new KeyCounts();
        var bounds = new BoundsAccumulator();
        var analyzers = new BatchAnalyzer?[entries.Count];
        var accumulators = new RunAccumulator[entries.Count];
        var partitioners = new Partitioner?[entries.Count];
        for (int s = 0; s < entries.Count; s++)
        {
            partitioners[s] = entries[s].Create();
            analyzers[s] = new BatchAnalyzer(cost);
            accumulators[s] = new RunAccumulator(entries[s].Strategy, partitioners[s]!.Name, partitioners[s]!.Mode, weights);
        }
        int[] blocks = new int[1024];
        long batches = 0;
        int partial = 0;
        var sample = new List<MicroBatch>();
        long sampleTuples = 0;
        while (batcher.TryNext(out var batch))
        {
            cancel.ThrowIfCancellationRequested();
            if (blocks.Length < batch.Count) blocks = new int[Math.Max(batch.Count, blocks.Length * 2)];
            var keys = batch.Keys.AsSpan();
            var placed = blocks.AsSpan(0, batch.Count);
            // A count-based stream's last batch may be shorter: a batch of one tuple is "unbalanced" by construction, so
            // its figures are kept apart (the stream-level figures still count it).
            bool shorter = batches > 0 && policy is BatchPolicy.ByCount c && batch.Count < c.Tuples;
            counts.Count(keys);
            if (!shorter) bounds.Add(BatchBounds.Compute(counts, partitions));
            else partial = batch.Count;
            var context = new BatchContext(batch.Index, partitions, batch.ExpectedTuples);
            for (int s = 0; s < entries.Count; s++)
            {
                partitioners[s]!.Partition(context, keys, placed);
                var metrics = analyzers[s]!.Analyze(keys, placed, partitions);
                if (!shorter) accumulators[s].Add(metrics);
            }
            if (sampleTuples < TimingSampleTuples) { sample.Add(batch); sampleTuples += batch.Count; }
            batches++;
            onTuples?.Invoke(batch.Count);
        }
        if (batches == 0) throw new InputException($"{source.Description}: the stream produced no batch");
        // The main pass's strategies and analyzers hold per-key state: let them go before the timing instances are made.
        var streams = new (double Imbalance, double Replication, string Parameters, string State)[entries.Count];
        for (int s = 0; s < entries.Count; s++)
        {
            streams[s] = (analyzers[s]!.StreamImbalance, analyzers[s]!.StreamReplication, partitioners[s]!.Parameters, partitioners[s]!.State);
            analyzers[s] = null;
            partitioners[s] = null;
        }
        var results = new StrategyResult[entries.Count];
        for (int s = 0; s < entries.Count; s++)
        {
            cancel.ThrowIfCancellationRequested();
            double speed = timeRouting ? SteadyTuplesPerSecond(entries[s], sample, partitions, blocks) : double.NaN;
            results[s] = accumulators[s].Result(streams[s].Imbalance, streams[s].Replication, speed, streams[s].Parameters, streams[s].State);
        }
        return new BenchReport(source.Description, partitions, policy.ToString()!, batcher.TuplesRead, batches, seed, results, bounds.Result(), weights ?? new CostWeights(), partial);
    }

    /// <summary>Tuples per second of a fresh instance over the sample, after the warm-up.</summary>
    private static double SteadyTuplesPerSecond(BenchEntry entry, List<MicroBatch> sample, int partitions, int[] blocks)
    {
        var partitioner = entry.Create();
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
