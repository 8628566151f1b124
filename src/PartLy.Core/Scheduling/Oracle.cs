using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;
using PartLy.Core.Streams;

namespace PartLy.Core.Scheduling;

/// <summary>
/// The informed per-batch oracle's choice for every batch, how many batches no parallelism gets on time, and for
/// every batch which parallelism in [<c>MinPartitions</c>, max] would be (<c>OnTime[b][p − MinPartitions]</c>).
/// </summary>
public sealed record OracleRun(IReadOnlyList<int> Partitions, int Infeasible, IReadOnlyList<bool[]> OnTime, int MinPartitions)
{
    /// <summary>Σ P*_b × I in seconds.</summary>
    public double ResourceSeconds(double interval) => Partitions.Sum(p => (double)p) * interval / 1e6;
}

/// <summary>
/// The informed per-batch oracle: for each batch the smallest P in [min, max] whose processing time, the batch placed
/// by the same partitioner knowing the batch's size, is at most the interval (the largest when none is). One
/// instance of the partitioner per P places every batch at that P, so a partitioner's memory of earlier batches is
/// what it would be had it always run at that P.
/// </summary>
public static class Oracle
{
    public static OracleRun Run(StreamSpec stream, BatchPolicy.ByInterval policy, Func<Partitioner> create, CostModel cost,
        int minPartitions, int maxPartitions, CancellationToken cancel = default)
    {
        int count = maxPartitions - minPartitions + 1;
        var partitioners = new Partitioner[count];
        var analyzers = new BatchAnalyzer[count];
        for (int i = 0; i < count; i++) { partitioners[i] = create(); analyzers[i] = new BatchAnalyzer(cost); }
        var chosen = new List<int>();
        var onTime = new List<bool[]>();
        int infeasible = 0;
        int[] blocks = new int[1024];
        using var source = stream.Open();
        var batcher = new MicroBatcher(source, policy);
        while (batcher.TryNext(out var batch))
        {
            cancel.ThrowIfCancellationRequested();
            if (blocks.Length < batch.Count) blocks = new int[Math.Max(batch.Count, blocks.Length * 2)];
            var placed = blocks.AsSpan(0, batch.Count);
            int best = -1;
            var fits = new bool[count];
            for (int i = 0; i < count; i++)
            {
                int p = minPartitions + i;
                partitioners[i].Partition(new BatchContext(batch.Index, p, batch.Count), batch.Keys, placed);
                double time = analyzers[i].Analyze(batch.Keys, placed, p).ProcessingTime;
                fits[i] = time <= policy.Microseconds;
                if (best < 0 && fits[i]) best = p;
            }
            onTime.Add(fits);
            if (best < 0) { infeasible++; best = maxPartitions; }
            chosen.Add(best);
        }
        return new OracleRun(chosen, infeasible, onTime, minPartitions);
    }
}
