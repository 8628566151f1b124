namespace PartLy.Core.Partitioning;

/// <summary>How many tuples a block may hold when a batch is balanced.</summary>
public static class BlockCapacity
{
    /// <summary>A slack the capacity takes: at least 0 and below 1.</summary>
    public static bool IsValidSlack(double slack) => slack is >= 0 and < 1;

    /// <summary>
    /// ⌈T/P⌉ for exact balance; with a slack, ⌊(1 + slack)·T/P⌋ but never below ⌈T/P⌉, so that blocks filled to it
    /// keep the imbalance λ at or below the slack.
    /// </summary>
    public static int Of(int tuples, int partitions, double slack = 0) =>
        Math.Max((tuples + partitions - 1) / partitions, (int)Math.Floor((1 + slack) * tuples / partitions + 1e-9));
}

/// <summary>
/// Spends an imbalance slack over a stream's batches, so that the mean λ per batch stays at or below it. Where
/// slack·T/P is a fraction of a tuple (1% of a 20-tuple block), <see cref="BlockCapacity.Of"/> rounds it away; the
/// budget carries the unspent λ from batch to batch instead, and a batch whose carried λ pays for one more tuple per
/// block gets it. The carry never goes below 0 (an overshoot it did not grant, such as ⌈T/P⌉ above (1 + slack)·T/P,
/// is not charged to later batches) nor above one tuple per block.
/// </summary>
public sealed class SlackBudget
{
    private double _carry;

    public SlackBudget(double slack)
    {
        if (!BlockCapacity.IsValidSlack(slack)) throw new ArgumentOutOfRangeException(nameof(slack), slack, "capacity slack must be in [0, 1)");
        Slack = slack;
    }

    public double Slack { get; }

    /// <summary>The block capacity for a batch of <paramref name="expectedTuples"/>: ⌊(1 + slack + carried λ)·E/P⌋, never below ⌈E/P⌉.</summary>
    public int Capacity(int expectedTuples, int partitions) => BlockCapacity.Of(expectedTuples, partitions, Slack + _carry);

    /// <summary>Charges a finished batch's imbalance, λ = max load·P/T − 1, from its blocks' loads.</summary>
    public void Spend(ReadOnlySpan<int> loads, int tuples)
    {
        if (tuples == 0) return;
        int partitions = loads.Length, maxLoad = 0;
        foreach (int load in loads) maxLoad = Math.Max(maxLoad, load);
        double imbalance = (double)maxLoad * partitions / tuples - 1;
        _carry = Math.Clamp(_carry + Slack - imbalance, 0, (double)partitions / tuples);
    }

    /// <summary>Forgets the carried λ (a new stream starts).</summary>
    public void Reset() => _carry = 0;
}
