using PartLy.Core.Hashing;

namespace PartLy.Core.Partitioning;

/// <summary>Shuffle grouping: round-robin by arrival, ignoring keys.</summary>
public sealed class ShufflePartitioner : Partitioner
{
    private int _next;
    public override string Name => "Shuffle";

    protected override void Route(in BatchContext context, ReadOnlySpan<int> keys, Span<int> blocks)
    {
        int p = context.Partitions, next = _next % p;
        for (int i = 0; i < keys.Length; i++)
        {
            blocks[i] = next;
            if (++next == p) next = 0;
        }
        _next = next;
    }
}

/// <summary>Key grouping: block = murmur3(key) mapped onto [0, P).</summary>
public sealed class HashPartitioner : Partitioner
{
    public override string Name => "Hash";

    protected override void Route(in BatchContext context, ReadOnlySpan<int> keys, Span<int> blocks)
    {
        int p = context.Partitions;
        for (int i = 0; i < keys.Length; i++) blocks[i] = Murmur3.Candidate(keys[i], 0, p);
    }
}

/// <summary>
/// Flink's key groups: group = murmur(hash(key)) mod maxParallelism, block = group · P / maxParallelism, with
/// Flink's default maxParallelism (the power of two at or above 1.5·P, within [128, 32768]) unless one is given.
/// </summary>
public sealed class KeyGroupsPartitioner(int maxParallelism = 0) : Partitioner
{
    public override string Name => "Key-Groups";

    public static int DefaultMaxParallelism(int partitions) =>
        Math.Min(Math.Max((int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(partitions + partitions / 2)), 128), 32768);

    /// <summary>Flink's MathUtils.murmurHash: murmur3 with seed 0, made non-negative.</summary>
    public static int FlinkMurmur(int code)
    {
        int h = unchecked((int)Murmur3.Hash(code, 0));
        return h >= 0 ? h : h != int.MinValue ? -h : 0;
    }

    protected override void Route(in BatchContext context, ReadOnlySpan<int> keys, Span<int> blocks)
    {
        int p = context.Partitions;
        int max = maxParallelism > 0 ? maxParallelism : DefaultMaxParallelism(p);
        if (max < p) throw new InvalidOperationException($"key-groups: max parallelism {max} is below P = {p}");
        for (int i = 0; i < keys.Length; i++)
        {
            int group = FlinkMurmur(keys[i]) % max;
            blocks[i] = group * p / max;
        }
    }
}
