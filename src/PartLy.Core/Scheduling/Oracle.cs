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

/// <summary>
/// The clairvoyant bound over a whole run: the parallelism of every batch that uses the fewest resources with no late
/// batch, a rescale charged <c>rescaleCost</c> slot-intervals. With every batch on time no batch waits (each ends
/// before the next is ready), so a batch is on time exactly when its own processing time fits the interval, and a
/// dynamic program over (batch, P) is exact. Batches no P gets on time take the largest P.
/// </summary>
public static class ClairvoyantBound
{
    public static (IReadOnlyList<int> Partitions, int Rescales) Solve(OracleRun oracle, double rescaleCost)
    {
        int batches = oracle.OnTime.Count;
        if (batches == 0) return ([], 0);
        int count = oracle.OnTime[0].Length;
        var cost = new double[count];
        var next = new double[count];
        var from = new int[batches, count];
        for (int b = 0; b < batches; b++)
        {
            var fits = oracle.OnTime[b];
            bool any = Array.IndexOf(fits, true) >= 0;
            int bestPrevious = 0;
            if (b > 0) for (int q = 1; q < count; q++) if (cost[q] < cost[bestPrevious]) bestPrevious = q;
            for (int i = 0; i < count; i++)
            {
                bool allowed = any ? fits[i] : i == count - 1;
                if (!allowed) { next[i] = double.PositiveInfinity; continue; }
                double slots = oracle.MinPartitions + i;
                if (b == 0) { next[i] = slots; from[b, i] = i; continue; }
                double stay = cost[i], move = cost[bestPrevious] + rescaleCost;
                (next[i], from[b, i]) = stay <= move ? (stay + slots, i) : (move + slots, bestPrevious);
            }
            (cost, next) = (next, cost);
        }
        int last = 0;
        for (int i = 1; i < count; i++) if (cost[i] < cost[last]) last = i;
        var chosen = new int[batches];
        int rescales = 0;
        for (int b = batches - 1; b >= 0; b--)
        {
            chosen[b] = oracle.MinPartitions + last;
            int previous = from[b, last];
            if (b > 0 && previous != last) rescales++;
            last = previous;
        }
        return (chosen, rescales);
    }
}
