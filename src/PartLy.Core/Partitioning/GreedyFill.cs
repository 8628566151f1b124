namespace PartLy.Core.Partitioning;

/// <summary>
/// The buffered greedy fill: keys sorted by count, blocks filled to capacity ⌈T/P⌉ in order. Reaches λ ≈ 0 with at
/// most P − 1 extra fragments in total (the bound of PROBLEM.md section 2).
/// </summary>
public sealed class GreedyFill : Partitioner
{
    private readonly KeyCounts _counts = new();
    private readonly FragmentPlan _plan = new();

    public override string Name => "Greedy-Fill";
    public override InformationMode Mode => InformationMode.Buffered;

    protected override void Route(in BatchContext context, ReadOnlySpan<int> keys, Span<int> blocks)
    {
        if (keys.IsEmpty) return;
        int p = context.Partitions;
        _counts.Count(keys);
        _counts.SortByCount();
        _plan.Clear();
        int capacity = (keys.Length + p - 1) / p;
        int block = 0, room = capacity;
        foreach (int key in _counts.Distinct)
        {
            _plan.Begin(key);
            int left = _counts.CountOf(key);
            while (left > 0)
            {
                if (room == 0) { block++; room = capacity; }
                int take = Math.Min(left, room);
                _plan.Add(key, block, take);
                left -= take;
                room -= take;
            }
        }
        _plan.Assign(keys, blocks);
    }
}
