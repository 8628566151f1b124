using PartLy.Core.Sketches;

namespace PartLy.Core.Partitioning;

/// <summary>How heavy hitters (the head) are spread by the partitioners of Nasir et al., ICDE 2016.</summary>
public enum HeadPolicy
{
    /// <summary>D-Choices: the least loaded of d hash candidates, d the smallest value meeting the balance constraints.</summary>
    DChoices,
    /// <summary>W-Choices: the least loaded of all P blocks.</summary>
    WChoices,
    /// <summary>Round-Robin: all P blocks in turn.</summary>
    RoundRobin,
}

/// <summary>
/// D-Choices, W-Choices and Round-Robin heavy hitters ("When two choices are not enough", Nasir et al., ICDE 2016).
/// A SpaceSaving summary over the whole stream finds the head: keys whose estimated share is at least θ
/// (default 1/(5P), the paper's default). Head keys get the policy's choices; tail keys use PKG.
/// </summary>
public sealed class HeavyHitterChoices : Partitioner
{
    private readonly HeadPolicy _policy;
    private readonly double? _theta;
    private SpaceSaving? _sketch;
    private int _sketchPartitions;
    private int _roundRobin;

    public HeavyHitterChoices(HeadPolicy policy, double? theta = null)
    {
        if (theta is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(theta), $"theta must be in (0, 1), got {theta}");
        _policy = policy;
        _theta = theta;
    }

    public override string Name => _policy switch
    {
        HeadPolicy.DChoices => "D-Choices",
        HeadPolicy.WChoices => "W-Choices",
        _ => "Round-Robin",
    };

    public static double DefaultTheta(int partitions) => 1.0 / (5.0 * partitions);

    protected override void Route(in BatchContext context, ReadOnlySpan<int> keys, Span<int> blocks)
    {
        int p = context.Partitions;
        double theta = _theta ?? DefaultTheta(p);
        if (_sketch is null || _sketchPartitions != p)
        {
            _sketch = new SpaceSaving((int)Math.Ceiling(4.0 / theta));
            _sketchPartitions = p;
        }
        var sketch = _sketch;
        int d = _policy == HeadPolicy.DChoices ? ChooseD(sketch, theta, p) : p;
        var loads = Loads;
        for (int i = 0; i < keys.Length; i++)
        {
            int key = keys[i];
            long estimate = sketch.Offer(key);
            int block;
            if (estimate < theta * sketch.Total) block = PartialKeyGrouping.LeastLoadedCandidate(loads, key, 2, p);
            else block = _policy switch
            {
                HeadPolicy.DChoices => PartialKeyGrouping.LeastLoadedCandidate(loads, key, d, p),
                HeadPolicy.WChoices => LeastLoaded(loads),
                _ => _roundRobin = (_roundRobin + 1) % p,
            };
            blocks[i] = block;
            loads[block]++;
        }
    }

    /// <summary>
    /// The smallest d ≥ 2 such that the hottest key fits at average load on the distinct blocks that d hash choices
    /// reach (p1 · P ≤ P · (1 − (1 − 1/P)^d)) and the blocks
    /// the head can reach, a fraction 1 − ((P − d)/P)^h of them, can absorb the head's total share. P if none.
    /// </summary>
    internal static int ChooseD(SpaceSaving sketch, double theta, int partitions)
    {
        if (sketch.Total == 0) return 2;
        var head = sketch.HeavyHitters((long)Math.Ceiling(theta * sketch.Total));
        if (head.Count == 0) return 2;
        double total = sketch.Total;
        double p1 = head[0].Count / total;
        double headShare = 0;
        foreach (var (_, count) in head) headShare += count / total;
        for (int d = 2; d < partitions; d++)
        {
            double distinctCandidates = partitions * (1 - Math.Pow(1 - 1.0 / partitions, d));
            if (p1 * partitions > distinctCandidates) continue;
            double reach = 1 - Math.Pow((partitions - d) / (double)partitions, head.Count);
            if (headShare <= reach) return d;
        }
        return partitions;
    }
}
