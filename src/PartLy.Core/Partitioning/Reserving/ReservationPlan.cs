namespace PartLy.Core.Partitioning.Reserving;

/// <summary>
/// The hot keys' reservations of one batch, on a <see cref="FragmentPlan"/>: each planned block holds a quota of the
/// key's tuples, committed to the block in the ledger so that other keys settle elsewhere, and spent as the key's
/// tuples arrive. Buffered, every hot key is laid out before the batch by the greedy fill; online, a key expected to
/// fill whole further blocks reserves them at its first decision and gives back, as the batch goes on, what it is no
/// longer expected to send.
/// </summary>
public sealed class ReservationPlan(BatchPlacer placer)
{
    /// <summary>Of a reservation's tuples beyond what a key is expected still to send, a quarter of a block's width.</summary>
    private const double RoundUpFraction = 0.25;

    /// <summary>A reservation keeps this many standard deviations (√ of the expected tuples) above the expectation.</summary>
    private const double ReservationMargin = 0.5;

    private readonly FragmentPlan _plan = new();
    private readonly List<(int Key, int Count)> _order = [];
    private readonly List<(int Layout, int Block, int Tuples)> _overlap = [];
    // Per key: tuples its reservation still holds over all its planned blocks, and the entry of its last placement.
    private int[] _left = new int[1024];
    private int[] _entry = new int[1024];
    private int[] _rename = [];
    private bool[] _taken = [];
    private ReserveOrder[] _eligible = [];

    private BlockLedger Ledger => placer.Ledger;
    private KeyMemory Memory => placer.Memory;

    public bool Has(int key) => _plan.Has(key);

    /// <summary>Whether any key has a reservation in this batch.</summary>
    public bool Any => _plan.Fragments > 0;

    /// <summary>
    /// Starts the batch's plan. Buffered, lays out the expected tuples of the batch's hot keys (a count at or above
    /// <paramref name="hotThreshold"/>), largest first, over the blocks in order, each up to capacity (the greedy fill),
    /// then renames the laid-out blocks onto those that held the same keys last batch.
    /// </summary>
    public void Begin(double hotThreshold)
    {
        _order.Clear();
        _plan.Clear();
        if (placer.Mode == InformationMode.Online) return;
        var counts = placer.Counts;
        foreach (int key in counts.Distinct)
            if (counts.CountOf(key) >= hotThreshold) _order.Add((key, counts.CountOf(key)));
        _order.Sort((a, b) => a.Count != b.Count ? b.Count.CompareTo(a.Count) : a.Key.CompareTo(b.Key));
        int block = 0, capacity = placer.BaseCapacity, room = capacity;
        foreach (var (key, count) in _order)
        {
            if (block == placer.Partitions) break;
            Start(key);
            int left = count;
            while (left > 0 && block < placer.Partitions)
            {
                int take = Math.Min(left, room);
                Add(key, block, take);
                left -= take;
                room -= take;
                if (room == 0) { block++; room = capacity; }
            }
        }
        if (_plan.Fragments > 0) PlaceLayoutWhereKeysWere();
    }

    /// <summary>
    /// The greedy fill's layout fixes which keys share a block, not which block it is: renames the laid-out blocks
    /// so that as many planned tuples as possible land on a block that held their key in the last batch (the pairs
    /// of most shared tuples first), which saves migration at no cost in balance or fragments.
    /// </summary>
    private void PlaceLayoutWhereKeysWere()
    {
        _overlap.Clear();
        int partitions = placer.Partitions;
        foreach (var (key, _) in _order)
        {
            if (!Has(key) || !Memory.InLastBatch(key)) continue;
            for (int f = _plan.First(key); f >= 0; f = _plan.Next(f))
                for (int e = Memory.FirstLastBatchFragment(key); e >= 0; e = Memory.NextLastBatchFragment(e))
                {
                    int block = Memory.LastBatchFragmentBlock(e);
                    if ((uint)block < (uint)partitions) _overlap.Add((_plan.Block(f), block, _plan.Quota(f)));
                }
        }
        if (_overlap.Count == 0) return;
        // One entry per (laid-out block, block) pair with the tuples they share, most first.
        _overlap.Sort((a, b) => a.Layout != b.Layout ? a.Layout.CompareTo(b.Layout) : a.Block.CompareTo(b.Block));
        int merged = 0;
        for (int i = 0; i < _overlap.Count; i++)
        {
            if (merged > 0 && _overlap[merged - 1].Layout == _overlap[i].Layout && _overlap[merged - 1].Block == _overlap[i].Block)
                _overlap[merged - 1] = _overlap[merged - 1] with { Tuples = _overlap[merged - 1].Tuples + _overlap[i].Tuples };
            else _overlap[merged++] = _overlap[i];
        }
        _overlap.RemoveRange(merged, _overlap.Count - merged);
        _overlap.Sort((a, b) => a.Tuples != b.Tuples ? b.Tuples.CompareTo(a.Tuples) : a.Layout != b.Layout ? a.Layout.CompareTo(b.Layout) : a.Block.CompareTo(b.Block));
        if (_rename.Length < partitions) { _rename = new int[partitions]; _taken = new bool[partitions]; }
        Array.Fill(_rename, -1, 0, partitions);
        Array.Clear(_taken, 0, partitions);
        foreach (var (layout, block, _) in _overlap)
            if (_rename[layout] < 0 && !_taken[block]) { _rename[layout] = block; _taken[block] = true; }
        int free = 0;
        for (int layout = 0; layout < partitions; layout++)
        {
            if (_rename[layout] >= 0) continue;
            while (_taken[free]) free++;
            _rename[layout] = free;
            _taken[free] = true;
        }
        Array.Clear(Ledger.Committed);
        _plan.RenameBlocks(_rename);
        for (int f = 0; f < _plan.Fragments; f++) Ledger.Committed[_plan.Block(f)] += _plan.Quota(f);
    }

    /// <summary>
    /// Online, when a key opens its first fragment on <paramref name="block"/> and is expected to send more than that
    /// block's room plus a whole block (or plus a quarter of one): reserves the room of <paramref name="block"/> and of
    /// as many whole further blocks as its expected overflow fills, rounded up from a quarter of a block (the blocks
    /// holding the fewest keys, then the least loaded; those that held the key last batch first when
    /// <paramref name="preferLastBlocks"/>), so that other keys settle elsewhere instead of being split when this key
    /// fills those blocks.
    /// </summary>
    public void ReserveAhead(int key, int block, int capacity, bool preferLastBlocks)
    {
        ref var state = ref Memory[key];
        if (placer.Mode != InformationMode.Online || Has(key) || state.Fragments > 0) return;
        int partitions = placer.Partitions;
        int room = Math.Max(0, (int)Ledger.Free(block, capacity));
        int overflow = state.Remaining - room;
        // A remainder of a quarter of a block or more takes one whole block more (Spend gives back what the key does
        // not need), unless new keys come in bursts: then expectations miss by too much to reserve ahead of them.
        bool roundUp = !Memory.NewKeysBurst && overflow % capacity >= RoundUpFraction * capacity;
        int whole = Math.Min(overflow / capacity + (roundUp ? 1 : 0), partitions - 1);
        if (whole < 1) return;
        Start(key);
        Add(key, block, Math.Min(state.Remaining, room));
        // Only blocks nobody has committed tuples to (their whole room goes to this key), in the order of preference;
        // reserving one changes no other block's place in that order.
        if (_eligible.Length < partitions) _eligible = new ReserveOrder[partitions];
        var loads = Ledger.Loads;
        var distinct = Ledger.Distinct;
        int eligible = 0;
        for (int b = 0; b < partitions; b++)
        {
            if (b == block || Ledger.Committed[b] > 0 || loads[b] >= capacity) continue;
            bool held = preferLastBlocks && Memory.HeldLastBatch(key, b);
            _eligible[eligible++] = new ReserveOrder(held ? 0 : 1, distinct[b], loads[b], b);
        }
        var order = _eligible.AsSpan(0, eligible);
        order.Sort();
        for (int n = 0; n < whole && n < order.Length; n++)
            Add(key, order[n].Block, capacity - loads[order[n].Block]);
    }

    /// <summary>A block's place in the order of further reserved blocks: held last batch (with locality), fewest keys, least loaded, first.</summary>
    private readonly record struct ReserveOrder(int NotHeld, int Distinct, int Load, int Block) : IComparable<ReserveOrder>
    {
        public int CompareTo(ReserveOrder other) =>
            NotHeld != other.NotHeld ? NotHeld.CompareTo(other.NotHeld)
            : Distinct != other.Distinct ? Distinct.CompareTo(other.Distinct)
            : Load != other.Load ? Load.CompareTo(other.Load)
            : Block.CompareTo(other.Block);
    }

    private void Start(int key)
    {
        if (key >= _left.Length)
        {
            int size = KeyArrays.Capacity(key);
            Array.Resize(ref _left, size);
            Array.Resize(ref _entry, size);
        }
        _plan.Begin(key);
        _left[key] = 0;
        _entry[key] = -1;
    }

    /// <summary>Appends a block with its quota to the key's plan (started last) and commits the quota to the block.</summary>
    private void Add(int key, int block, int quota)
    {
        _plan.Add(key, block, quota);
        _left[key] += quota;
        Ledger.Commit(block, quota);
    }

    /// <summary>Tuples the key's plan still reserves on <paramref name="block"/>.</summary>
    public int Quota(int key, int block) => Quota(key, ref Memory[key], block);

    internal int Quota(int key, ref KeyState state, int block)
    {
        if (!Has(key)) return 0;
        // Spend keeps the plan entry of the key's last block (−1 when its plan does not hold that block).
        int f = state.Stamp == Memory.Stamp && state.PlacedBlock == block ? _entry[key] : _plan.FragmentOn(key, block);
        return f >= 0 ? _plan.Quota(f) : 0;
    }

    /// <summary>Whether the key's plan holds the block.</summary>
    public bool Covers(int key, int block) => _plan.FragmentOn(key, block) >= 0;

    /// <summary>Gives up what is left of the key's reservation on a block it leaves (the block's other keys take that room).</summary>
    public void Release(int key, int block)
    {
        if (!Has(key)) return;
        int f = _plan.FragmentOn(key, block);
        if (f < 0 || _plan.Quota(f) == 0) return;
        _left[key] -= _plan.Quota(f);
        Ledger.Commit(block, -_plan.Quota(f));
        _plan.Quota(f) = 0;
    }

    /// <summary>The first block of the key's plan with quota left and room under <paramref name="capacity"/>, or −1.</summary>
    public int NextBlock(int key, int capacity)
    {
        if (!Has(key)) return -1;
        for (int f = _plan.First(key); f >= 0; f = _plan.Next(f))
            if (_plan.Quota(f) > 0 && Ledger.Loads[_plan.Block(f)] < capacity) return _plan.Block(f);
        return -1;
    }

    /// <summary>
    /// A planned key's tuple was placed on <paramref name="block"/>: spends a tuple of the quota there and, online,
    /// gives back the reserved tuples the key is no longer expected to send (beyond its expected remainder plus a
    /// margin), from its furthest planned blocks first, so that other keys take that room while the batch goes on
    /// instead of finding it only when every other block is full.
    /// </summary>
    public void Spend(int key, int block)
    {
        // A plan holds each block at most once; the entry of the key's last planned placement is checked first.
        int f = _entry[key];
        if (f < 0 || _plan.Block(f) != block) _entry[key] = f = _plan.FragmentOn(key, block);
        int here = 0;
        if (f >= 0)
        {
            ref int quota = ref _plan.Quota(f);
            if (quota > 0) { quota--; Ledger.Commit(block, -1); _left[key]--; }
            here = quota;
        }
        // Only the key's other planned blocks give back; none of them holds anything when all it has left is here.
        if (_left[key] - here > 0 && placer.Mode == InformationMode.Online) GiveBack(key, block);
    }

    private void GiveBack(int key, int block)
    {
        double expected = Memory[key].ExpectedShare * (double)Ledger.TuplesLeft;
        double unexpected = _left[key] - expected;
        // The margin is never negative: with less than one tuple beyond the expectation there is nothing to give back,
        // nor when the margin surely exceeds what lies beyond one tuple (checked without the square root, which
        // decides the same way only outside a relative band of 1e-9 around the boundary).
        if (unexpected < 1) return;
        double beyondOne = unexpected - 1;
        if (4 * beyondOne * beyondOne < expected * (1 - 1e-9)) return;
        double excess = unexpected - ReservationMargin * Math.Sqrt(expected);
        for (int g = _plan.Last(key); g >= 0 && excess >= 1; g = _plan.Previous(g))
        {
            int b = _plan.Block(g);
            if (b == block || _plan.Quota(g) == 0) continue;
            int cut = Math.Min(_plan.Quota(g), (int)excess);
            _plan.Quota(g) -= cut;
            Ledger.Commit(b, -cut);
            _left[key] -= cut;
            excess -= cut;
        }
    }
}
