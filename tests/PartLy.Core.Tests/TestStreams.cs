using PartLy.Core.Partitioning;
using PartLy.Core.Streams;

namespace PartLy.Core.Tests;

internal static class TestStreams
{
    /// <summary>Count-based batches of a Zipf stream, all in memory.</summary>
    public static List<MicroBatch> ZipfBatches(double z, int keys, int batch, long tuples, ulong seed = 42)
    {
        using var source = new SyntheticSource($"zipf:z={z}", keys, z, tuples, seed);
        var batcher = new MicroBatcher(source, new BatchPolicy.ByCount(batch));
        var batches = new List<MicroBatch>();
        while (batcher.TryNext(out var b)) batches.Add(b);
        return batches;
    }

    /// <summary>Places one batch of <paramref name="keys"/> on <paramref name="partitions"/> blocks and returns the blocks.</summary>
    public static int[] Route(Partitioner partitioner, int[] keys, int partitions, long index = 0)
    {
        var blocks = new int[keys.Length];
        partitioner.Partition(new BatchContext(index, partitions, keys.Length), keys, blocks);
        return blocks;
    }

    public static string TempFile(string content, string extension = ".txt")
    {
        string path = Path.Combine(Path.GetTempPath(), $"partly-test-{Guid.NewGuid():N}{extension}");
        File.WriteAllText(path, content);
        return path;
    }
}
