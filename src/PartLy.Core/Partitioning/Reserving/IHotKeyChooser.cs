using PartLy.Core.Streams;

namespace PartLy.Core.Partitioning.Reserving;

/// <summary>
/// The decision hook of the <see cref="ReservingPartitioner"/>: at each hot-key decision it is asked for one of the
/// candidate blocks (an index into <see cref="ReservingPartitioner.Candidates"/>), with the partitioner's state to read.
/// </summary>
public interface IHotKeyChooser
{
    int Choose(ReservingPartitioner partitioner);
}

/// <summary>The first candidate: the key's reserved block, else a block that held it last batch, else the roomiest.</summary>
public sealed class FirstCandidate : IHotKeyChooser
{
    public static FirstCandidate Instance { get; } = new();
    public int Choose(ReservingPartitioner partitioner) => 0;
}

/// <summary>A uniformly random candidate (seeded): what the rules reach without a choice of their own.</summary>
public sealed class RandomCandidate(ulong seed) : IHotKeyChooser
{
    private readonly SplitMix64 _random = new(seed);
    public int Choose(ReservingPartitioner partitioner) => _random.NextInt(partitioner.Candidates.Length);
}
