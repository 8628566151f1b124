namespace PartLy.Core.Partitioning;

/// <summary>
/// A buffered plan: for each key, the blocks that receive it and how many of its tuples each takes. Tuples are then
/// handed out in arrival order, filling a key's fragments one after another.
/// </summary>
internal sealed class FragmentPlan
{
    private int[] _firstFragment = new int[1024];
    private int[] _cursor = new int[1024];
    private int[] _fragmentBlock = new int[256];
    private int[] _fragmentQuota = new int[256];
    private int[] _nextFragment = new int[256];
    private int[] _lastFragment = new int[1024];
    private int _fragments;

    public void Clear() => _fragments = 0;

    /// <summary>Starts the fragment list of a key; call before <see cref="Add"/> for that key.</summary>
    public void Begin(int key)
    {
        if (key >= _firstFragment.Length)
        {
            int size = Math.Max(key + 1, _firstFragment.Length * 2);
            Array.Resize(ref _firstFragment, size);
            Array.Resize(ref _cursor, size);
            Array.Resize(ref _lastFragment, size);
        }
        _firstFragment[key] = -1;
        _lastFragment[key] = -1;
    }

    public void Add(int key, int block, int quota)
    {
        if (_fragments == _fragmentBlock.Length)
        {
            int size = _fragments * 2;
            Array.Resize(ref _fragmentBlock, size);
            Array.Resize(ref _fragmentQuota, size);
            Array.Resize(ref _nextFragment, size);
        }
        int f = _fragments++;
        _fragmentBlock[f] = block;
        _fragmentQuota[f] = quota;
        _nextFragment[f] = -1;
        if (_lastFragment[key] < 0) { _firstFragment[key] = f; _cursor[key] = f; }
        else _nextFragment[_lastFragment[key]] = f;
        _lastFragment[key] = f;
    }

    /// <summary>Hands every tuple the block of its key's current fragment.</summary>
    public void Assign(ReadOnlySpan<int> keys, Span<int> blocks)
    {
        for (int i = 0; i < keys.Length; i++)
        {
            int key = keys[i];
            int f = _cursor[key];
            while (_fragmentQuota[f] == 0) f = _nextFragment[f];
            _cursor[key] = f;
            _fragmentQuota[f]--;
            blocks[i] = _fragmentBlock[f];
        }
    }
}

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
