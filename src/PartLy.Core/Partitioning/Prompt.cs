namespace PartLy.Core.Partitioning;

/// <summary>
/// Prompt (Abdelhamid et al., SIGMOD 2020), the buffered micro-batch partitioner: with the batch's keys in
/// frequency order, hot keys (count above the average key count) are cut into block-sized shares of capacity
/// ⌈T/P⌉, each on an empty block, and their remainders, like cold keys, go best-fit (the block whose free room fits
/// them most tightly). Cold keys stay whole; a remainder that fits nowhere fills the roomiest blocks in turn.
/// </summary>
public sealed class Prompt : Partitioner
{
    private readonly KeyCounts _counts = new();
    private readonly FragmentPlan _plan = new();
    private int[] _room = [];

    public override string Name => "Prompt";
    public override InformationMode Mode => InformationMode.Buffered;

    protected override void Route(in BatchContext context, ReadOnlySpan<int> keys, Span<int> blocks)
    {
        if (keys.IsEmpty) return;
        int p = context.Partitions;
        _counts.Count(keys);
        _counts.SortByCount();
        _plan.Clear();
        int capacity = (keys.Length + p - 1) / p;
        if (_room.Length != p) _room = new int[p];
        _room.AsSpan().Fill(capacity);
        double averageCount = (double)keys.Length / _counts.DistinctCount;
        foreach (int key in _counts.Distinct)
        {
            _plan.Begin(key);
            int left = _counts.CountOf(key);
            bool hot = left > averageCount;
            if (hot)
            {
                while (left >= capacity)
                {
                    int empty = Roomiest();
                    if (_room[empty] < capacity) break;
                    Place(key, empty, capacity);
                    left -= capacity;
                }
            }
            if (left == 0) continue;
            int fit = BestFit(left);
            if (fit >= 0) { Place(key, fit, left); continue; }
            if (!hot) { Place(key, Roomiest(), left); continue; }
            while (left > 0)
            {
                int block = Roomiest();
                int take = Math.Min(left, Math.Max(_room[block], 1));
                if (_room[block] <= 0) take = left;
                Place(key, block, take);
                left -= take;
            }
        }
        _plan.Assign(keys, blocks);
    }

    private void Place(int key, int block, int tuples)
    {
        _plan.Add(key, block, tuples);
        _room[block] -= tuples;
    }

    private int BestFit(int tuples)
    {
        int best = -1;
        for (int b = 0; b < _room.Length; b++)
            if (_room[b] >= tuples && (best < 0 || _room[b] < _room[best])) best = b;
        return best;
    }

    private int Roomiest()
    {
        int best = 0;
        for (int b = 1; b < _room.Length; b++) if (_room[b] > _room[best]) best = b;
        return best;
    }
}
