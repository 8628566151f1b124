namespace PartLy.Core.Partitioning;

/// <summary>
/// The capacity-aware online greedy of PROBLEM.md section 5: a tuple goes to the block already holding its key (the
/// key's newest fragment in this batch) while that block is under capacity, else it opens a fragment on the least
/// loaded block. Capacity is ⌈E/P⌉ for the expected batch size E (with a slack, ⌊(1 + slack)·E/P⌋, the slack spent
/// over batches by a <see cref="SlackBudget"/>), raised to ⌈(m+1)/P⌉ once m tuples have arrived beyond it, so batches
/// larger than expected stay balanced.
/// </summary>
public sealed class CapacityGreedy(double slack = 0) : Partitioner
{
    private long[] _keyBatch = [];
    private int[] _keyBlock = [];

    private readonly double _slack = slack;
    private readonly SlackBudget _budget = new(slack);

    public override string Name => _slack == 0 ? "Greedy" : $"Greedy (slack {_slack.ToString(System.Globalization.CultureInfo.InvariantCulture)})";

    protected override void Route(in BatchContext context, ReadOnlySpan<int> keys, Span<int> blocks)
    {
        int p = context.Partitions;
        long stamp = context.Index + 1;
        int expectedCapacity = _budget.Capacity(context.ExpectedTuples, p);
        var loads = Loads;
        for (int i = 0; i < keys.Length; i++)
        {
            int key = keys[i];
            EnsureKey(ref _keyBatch, key);
            EnsureKey(ref _keyBlock, key);
            int capacity = Math.Max(expectedCapacity, (i + p) / p);
            int block;
            if (_keyBatch[key] == stamp && loads[_keyBlock[key]] < capacity) block = _keyBlock[key];
            else
            {
                block = LeastLoaded(loads);
                _keyBatch[key] = stamp;
                _keyBlock[key] = block;
            }
            blocks[i] = block;
            loads[block]++;
        }
        _budget.Spend(loads, keys.Length);
    }
}
