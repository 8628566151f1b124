namespace PartLy.Core.Partitioning;

/// <summary>How many tuples a block may hold when a batch is balanced.</summary>
public static class BlockCapacity
{
    /// <summary>
    /// ⌈T/P⌉ for exact balance; with a slack, ⌊(1 + slack)·T/P⌋ but never below ⌈T/P⌉, so that blocks filled to it
    /// keep the imbalance λ at or below the slack.
    /// </summary>
    /// <summary>A slack the capacity takes: at least 0 and below 1.</summary>
    public static bool IsValidSlack(double slack) => slack is >= 0 and < 1;

    public static int Of(int tuples, int partitions, double slack = 0) =>
        Math.Max((tuples + partitions - 1) / partitions, (int)Math.Floor((1 + slack) * tuples / partitions + 1e-9));
}
