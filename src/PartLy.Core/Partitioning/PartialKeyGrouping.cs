using PartLy.Core.Hashing;

namespace PartLy.Core.Partitioning;

/// <summary>
/// Partial key grouping (Nasir et al., ICDE 2015): each key has <c>d</c> hash candidates and each tuple goes to the
/// candidate with the smallest local load estimate (the tuples this partitioner sent there in the current batch).
/// d = 2 is PKG, the power of both choices; larger d is PK-d.
/// </summary>
public sealed class PartialKeyGrouping : Partitioner
{
    private readonly int _choices;

    public PartialKeyGrouping(int choices = 2)
    {
        if (choices < 2) throw new ArgumentOutOfRangeException(nameof(choices), $"PK-d needs d >= 2, got {choices}");
        _choices = choices;
    }

    public override string Name => _choices == 2 ? "PKG" : $"PK-{_choices}";

    protected override void Route(in BatchContext context, ReadOnlySpan<int> keys, Span<int> blocks)
    {
        var loads = Loads;
        int p = context.Partitions;
        for (int i = 0; i < keys.Length; i++)
        {
            int block = LeastLoadedCandidate(loads, keys[i], _choices, p);
            blocks[i] = block;
            loads[block]++;
        }
    }

    /// <summary>The least loaded of a key's first <paramref name="choices"/> hash candidates (the earlier one on ties).</summary>
    internal static int LeastLoadedCandidate(Span<int> loads, int key, int choices, int partitions)
    {
        int best = Murmur3.Candidate(key, 0, partitions);
        int bestLoad = loads[best];
        for (int c = 1; c < choices; c++)
        {
            int candidate = Murmur3.Candidate(key, c, partitions);
            if (loads[candidate] < bestLoad) { best = candidate; bestLoad = loads[candidate]; }
        }
        return best;
    }
}
