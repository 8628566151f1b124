namespace PartLy.Core.Partitioning;

/// <summary>
/// A plan of fragments for one batch: for each key, the blocks that receive it and how many of its tuples each
/// takes, in the order they were added. Buffered partitioners hand tuples out in arrival order
/// (<see cref="Assign"/>); the reserving partitioner keeps its reservations here and spends their quotas as tuples
/// arrive. <see cref="Clear"/> forgets every key's plan in O(1).
/// </summary>
public sealed class FragmentPlan
{
    private int[] _firstFragment = new int[1024];
    private int[] _lastFragment = new int[1024];
    private int[] _cursor = new int[1024];
    private long[] _keyStamp = new long[1024];
    private int[] _fragmentBlock = new int[256];
    private int[] _fragmentQuota = new int[256];
    private int[] _nextFragment = new int[256];
    private int[] _previousFragment = new int[256];
    private long _stamp = 1;

    /// <summary>Fragments in the plan.</summary>
    public int Fragments { get; private set; }

    public void Clear()
    {
        Fragments = 0;
        _stamp++;
    }

    /// <summary>Whether the key has a plan (begun since the last <see cref="Clear"/>).</summary>
    public bool Has(int key) => key < _keyStamp.Length && _keyStamp[key] == _stamp;

    /// <summary>Starts (or restarts, empty) the fragment list of a key; call before <see cref="Add"/> for that key.</summary>
    public void Begin(int key)
    {
        if (key >= _firstFragment.Length)
        {
            int size = KeyArrays.Capacity(key);
            Array.Resize(ref _firstFragment, size);
            Array.Resize(ref _cursor, size);
            Array.Resize(ref _lastFragment, size);
            Array.Resize(ref _keyStamp, size);
        }
        _keyStamp[key] = _stamp;
        _firstFragment[key] = -1;
        _lastFragment[key] = -1;
    }

    /// <summary>Appends a fragment to the key's list and returns its index.</summary>
    public int Add(int key, int block, int quota)
    {
        if (Fragments == _fragmentBlock.Length)
        {
            int size = Fragments * 2;
            Array.Resize(ref _fragmentBlock, size);
            Array.Resize(ref _fragmentQuota, size);
            Array.Resize(ref _nextFragment, size);
            Array.Resize(ref _previousFragment, size);
        }
        int f = Fragments++;
        _fragmentBlock[f] = block;
        _fragmentQuota[f] = quota;
        _nextFragment[f] = -1;
        _previousFragment[f] = _lastFragment[key];
        if (_lastFragment[key] < 0) { _firstFragment[key] = f; _cursor[key] = f; }
        else _nextFragment[_lastFragment[key]] = f;
        _lastFragment[key] = f;
        return f;
    }

    /// <summary>The key's first fragment, or −1 (the key must have a plan).</summary>
    public int First(int key) => _firstFragment[key];

    /// <summary>The key's last fragment, or −1 (the key must have a plan).</summary>
    public int Last(int key) => _lastFragment[key];

    public int Next(int fragment) => _nextFragment[fragment];
    public int Previous(int fragment) => _previousFragment[fragment];
    public int Block(int fragment) => _fragmentBlock[fragment];
    public ref int Quota(int fragment) => ref _fragmentQuota[fragment];

    /// <summary>The fragment of the key's plan on the block, or −1 (a plan holds a block at most once).</summary>
    public int FragmentOn(int key, int block)
    {
        for (int f = _firstFragment[key]; f >= 0; f = _nextFragment[f])
            if (_fragmentBlock[f] == block) return f;
        return -1;
    }

    /// <summary>Moves every fragment on block b to block <c>rename[b]</c>.</summary>
    public void RenameBlocks(ReadOnlySpan<int> rename)
    {
        for (int f = 0; f < Fragments; f++) _fragmentBlock[f] = rename[_fragmentBlock[f]];
    }

    /// <summary>Hands every tuple the block of its key's current fragment (every key of the batch has a plan).</summary>
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
