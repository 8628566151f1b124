using PartLy.Core.Partitioning;

/// <summary>
/// <c>dotnet run -c Release --project bench/PartLy.Benchmarks -- decisions</c>: a hash of every tuple's block over the
/// routing workload for the learned partitioner (trained here, so training is covered too) and the reserving rules in
/// each mode, at P = 50 with batches of 1,000 and at P = 7 with batches of 777. A refactor of the hot path must leave
/// every line the same; run it before and after and compare the output.
/// </summary>
internal static class DecisionHashes
{
    private static readonly string[] Specs =
        ["reserving", "reserving:mode=buffered", "reserving:locality=on", "reserving:slack=0.05", "reserving:choice=random,seed=3", "reserving:mode=buffered,locality=on"];

    public static void Print()
    {
        foreach (double z in new[] { 1.0, 1.5 })
        {
            var learned = RoutingWorkload.TrainLearned(z);
            Console.WriteLine($"z={z} learned P=50 {Hash(learned, RoutingWorkload.Batches(z), RoutingWorkload.Partitions):x16}");
            foreach (string spec in Specs)
                Console.WriteLine($"z={z} {spec} P=50 {Hash(Strategies.Create(spec), RoutingWorkload.Batches(z), RoutingWorkload.Partitions):x16} P=7 {Hash(Strategies.Create(spec), RoutingWorkload.Batches(z, 777), 7):x16}");
        }
    }

    /// <summary>FNV-1a over every tuple's block, batch after batch.</summary>
    private static ulong Hash(Partitioner partitioner, int[][] batches, int partitions)
    {
        ulong hash = 14695981039346656037UL;
        var blocks = new int[batches.Max(b => b.Length)];
        for (int i = 0; i < batches.Length; i++)
        {
            partitioner.Partition(new BatchContext(i, partitions, batches[i].Length), batches[i], blocks);
            for (int t = 0; t < batches[i].Length; t++) { hash ^= (uint)blocks[t]; hash *= 1099511628211UL; }
        }
        return hash;
    }
}
