namespace PartLy.Core.Scheduling;

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
