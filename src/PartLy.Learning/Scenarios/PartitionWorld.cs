using System.Runtime.Intrinsics;
using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;

namespace PartLy.Learning.Scenarios;

/// <summary>
/// The state the partitioning scenarios act on: the current micro-batch being placed tuple by tuple, the blocks'
/// loads, and what the stream taught so far (each key's smoothed share of a batch and the block it had last time).
/// Stream state carries over from batch to batch and is forgotten only when a new stream starts.
/// </summary>
public sealed class PartitionWorld
{
    private const double ShareSmoothing = 0.5;

    /// <summary>A key is hot when it is expected to send at least this fraction of a block's capacity.</summary>
    public const double HotFraction = 0.75;
    private readonly BatchAnalyzer _analyzer;
    private readonly KeyCounts _counts = new();
    private long _stamp;

    public PartitionWorld(InformationMode mode, CostWeights weights, CostModel? cost = null, double slack = 0)
    {
        Mode = mode;
        Weights = weights;
        _slackBudget = new SlackBudget(slack);
        _analyzer = new BatchAnalyzer(cost);
    }

    public InformationMode Mode { get; }
    public CostWeights Weights { get; }

    /// <summary>
    /// The mean imbalance the blocks may take: capacity is ⌊(1 + slack)·E/P⌋, never below ⌈E/P⌉, with the slack that
    /// rounding leaves carried to later batches (<see cref="SlackBudget"/>).
    /// </summary>
    public double Slack => _slackBudget.Slack;
    private readonly SlackBudget _slackBudget;

    // The batch being placed.
    public int[] Keys { get; private set; } = [];
    public int[] Blocks { get; private set; } = [];
    public int Tuples { get; private set; }
    public int Cursor { get; set; }
    public int Partitions { get; private set; }
    public int ExpectedTuples { get; private set; }
    public long BatchIndex { get; private set; }
    public int[] Loads { get; private set; } = [];
    public int[] Distinct { get; private set; } = [];
    /// <summary>
    /// Tuples committed to each block as counts: the reservations, and buffered (where counts are exact) the
    /// remaining tuples of the keys whose open fragment is there.
    /// </summary>
    public int[] Committed { get; private set; } = [];
    // Online: the summed expected shares of the keys whose open fragment is on each block. A key's tuples arrive at its
    // share of the batch whatever it sent so far, so a block expects share × tuples left more (see Expected).
    private float[] _shares = [];
    // The (key, block) pairs of the keys split in the batch so far (a key on one block is known from its KeyState).
    private PairSet _splitPairs = new();
    private PairSet _previousSplitPairs = new();
    // Each key's blocks in the batch as a list (KeyState.FragmentHead, then Next), and the previous batch's.
    private int[] _fragmentBlock = new int[1024], _fragmentNext = new int[1024];
    private int[] _previousFragmentBlock = new int[1024], _previousFragmentNext = new int[1024];
    private int _fragmentCount;
    private bool _previousValid;

    /// <summary>The blocks behind the candidate actions of the last observation.</summary>
    public int[] Candidates { get; } = new int[16];
    public int CandidateCount { get; set; }

    /// <summary>Adds a candidate block unless it is already a candidate; false when it was.</summary>
    public bool AddCandidate(int block)
    {
        for (int c = 0; c < CandidateCount; c++) if (Candidates[c] == block) return false;
        Candidates[CandidateCount++] = block;
        return true;
    }
    public int ExtraFragments { get; private set; }
    public int DistinctTotal { get; private set; }

    private KeyState[] _keyStates = new KeyState[1024];
    private int[] _touched = new int[1024];
    private int _touchedCount;

    /// <summary>What the world knows of a key (its batch part is valid after <see cref="Touch"/> in this batch).</summary>
    public ref KeyState Key(int key) => ref _keyStates[key];

    // The reservation plan of the batch: hot keys' expected tuples laid out over blocks before the first tuple.
    private readonly List<(int Key, int Count)> _planOrder = [];
    private long[] _planBatch = new long[1024];
    private int[] _planFirst = new int[1024];
    private int[] _planLength = new int[1024];
    private int[] _planBlock = new int[64];
    private int[] _planQuota = new int[64];
    private int _planFragments;

    /// <summary>The metrics of the last finished batch.</summary>
    public BatchMetrics LastMetrics { get; private set; }

    /// <summary>Forgets the stream (a new one starts).</summary>
    public void ResetStream()
    {
        for (int k = 0; k < _keyStates.Length; k++) _keyStates[k].ForgetStream();
        _previousValid = false;
        BatchIndex = 0;
        _newKeysSent = _newKeysLeft = 0;
        _slackBudget.Reset();
    }

    /// <summary>Starts placing a batch.</summary>
    public void BeginBatch(ReadOnlySpan<int> keys, int partitions, int expectedTuples, long index)
    {
        Tuples = keys.Length;
        if (Blocks.Length < Tuples)
        {
            Blocks = new int[Math.Max(Tuples, Blocks.Length * 2)];
            Keys = new int[Blocks.Length];
        }
        keys.CopyTo(Keys);
        Partitions = partitions;
        ExpectedTuples = expectedTuples > 0 ? expectedTuples : Tuples;
        _baseCapacity = _slackBudget.Capacity(ExpectedTuples, partitions);
        BatchIndex = index;
        Cursor = 0;
        ExtraFragments = 0;
        DistinctTotal = 0;
        if (Loads.Length != partitions)
        {
            Loads = new int[partitions];
            Distinct = new int[partitions];
            Committed = new int[partitions];
            // Padded to whole vectors: the padding never has room (see RoomArgmax).
            int padded = (partitions + 7) & ~7;
            _shares = new float[padded];
            _room = new float[padded];
            Array.Fill(_room, Full);
            _scratch = new float[partitions];
        }
        else { Array.Clear(Loads); Array.Clear(Distinct); Array.Clear(Committed); Array.Clear(_shares); }
        _roomCapacity = -1;
        (_previousSplitPairs, _splitPairs) = (_splitPairs, _previousSplitPairs);
        _splitPairs.Clear(Tuples);
        (_previousFragmentBlock, _fragmentBlock) = (_fragmentBlock, _previousFragmentBlock);
        (_previousFragmentNext, _fragmentNext) = (_fragmentNext, _previousFragmentNext);
        if (_fragmentBlock.Length < Tuples) { _fragmentBlock = new int[Blocks.Length]; _fragmentNext = new int[Blocks.Length]; }
        _fragmentCount = 0;
        _stamp++;
        _touchedCount = 0;
        if (_touched.Length < Tuples) _touched = new int[Blocks.Length];
        int maxKey = 0;
        foreach (int k in keys) if (k > maxKey) maxKey = k;
        EnsureKeys(maxKey);
        if (Mode == InformationMode.Buffered) _counts.Count(keys);
        PlanReservations();
    }

    /// <summary>
    /// Lays out the expected tuples of the batch's hot keys, largest first, over the blocks in order, each block up to
    /// capacity (the greedy fill). The planned tuples are committed to their blocks, so that cold keys go elsewhere and
    /// hot keys find whole blocks waiting. Buffered only: planned for every hot key on estimates from earlier batches
    /// (online), the reservations cost more fragments than they saved in our measurements; online, only a key expected
    /// to fill whole further blocks reserves them, at its first decision (<see cref="ReserveAhead"/>).
    /// </summary>
    private void PlanReservations()
    {
        _planOrder.Clear();
        _planFragments = 0;
        if (Mode == InformationMode.Online) return;
        double threshold = HotFraction * _baseCapacity;
        foreach (int key in _counts.Distinct)
            if (_counts.CountOf(key) >= threshold) _planOrder.Add((key, _counts.CountOf(key)));
        _planOrder.Sort((a, b) => a.Count != b.Count ? b.Count.CompareTo(a.Count) : a.Key.CompareTo(b.Key));
        int block = 0, room = _baseCapacity;
        foreach (var (key, count) in _planOrder)
        {
            if (block == Partitions) break;
            EnsureKeys(key);
            StartPlan(key);
            int left = count;
            while (left > 0 && block < Partitions)
            {
                int take = Math.Min(left, room);
                AddPlanned(key, block, take);
                left -= take;
                room -= take;
                if (room == 0) { block++; room = _baseCapacity; }
            }
        }
        if (_previousValid && _planFragments > 0) PlaceLayoutWhereKeysWere();
    }

    /// <summary>
    /// The greedy fill's layout fixes which keys share a block, not which block it is: renames the laid-out blocks
    /// so that as many planned tuples as possible land on a block that held their key in the last batch (the pairs
    /// of most shared tuples first), which saves migration at no cost in balance or fragments.
    /// </summary>
    private void PlaceLayoutWhereKeysWere()
    {
        _overlap.Clear();
        foreach (var (key, _) in _planOrder)
        {
            if (!HasPlan(key) || !InLastBatch(key)) continue;
            // The key's blocks of the last batch (its fragment list holds every one, a single one too).
            for (int f = _planFirst[key], end = f + _planLength[key]; f < end; f++)
                for (int e = _keyStates[key].LastFragmentHead - 1; e >= 0; e = _previousFragmentNext[e])
                    AddOverlap(_planBlock[f], _previousFragmentBlock[e], _planQuota[f]);
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
        if (_rename.Length < Partitions) { _rename = new int[Partitions]; _taken = new bool[Partitions]; }
        Array.Fill(_rename, -1, 0, Partitions);
        Array.Clear(_taken, 0, Partitions);
        foreach (var (layout, block, _) in _overlap)
            if (_rename[layout] < 0 && !_taken[block]) { _rename[layout] = block; _taken[block] = true; }
        int free = 0;
        for (int layout = 0; layout < Partitions; layout++)
        {
            if (_rename[layout] >= 0) continue;
            while (_taken[free]) free++;
            _rename[layout] = free;
            _taken[free] = true;
        }
        Array.Clear(Committed);
        for (int f = 0; f < _planFragments; f++)
        {
            _planBlock[f] = _rename[_planBlock[f]];
            Committed[_planBlock[f]] += _planQuota[f];
        }
    }

    private void AddOverlap(int layout, int block, int tuples)
    {
        if ((uint)block < (uint)Partitions) _overlap.Add((layout, block, tuples));
    }

    private readonly List<(int Layout, int Block, int Tuples)> _overlap = [];
    private int[] _rename = [];
    private bool[] _taken = [];

    public bool HasPlan(int key) => _planBatch[key] == _stamp;

    /// <summary>
    /// Online, when a key opens its first fragment on <paramref name="block"/> and is expected to send more than that
    /// block's room plus a whole block (or plus a quarter of one): reserves the room of <paramref name="block"/> and of
    /// as many whole further blocks as its expected overflow fills, rounded up from a quarter of a block (the blocks
    /// holding the fewest keys, then the least loaded), so that other keys settle elsewhere instead of being split when
    /// this key fills those blocks. As the batch goes on, the key gives back what it is no longer expected to send.
    /// </summary>
    public void ReserveAhead(int key, int block, int capacity)
    {
        ref var state = ref _keyStates[key];
        if (Mode != InformationMode.Online || HasPlan(key) || state.Fragments > 0) return;
        int room = Math.Max(0, (int)Free(block, capacity));
        int overflow = state.Remaining - room;
        // A remainder of a quarter of a block or more takes one whole block more (Place gives back what the key does
        // not need), unless new keys come in bursts: then expectations miss by too much to reserve ahead of them.
        bool roundUp = !NewKeysBurst && overflow % capacity >= RoundUpFraction * capacity;
        int whole = Math.Min(overflow / capacity + (roundUp ? 1 : 0), Partitions - 1);
        if (whole < 1) return;
        StartPlan(key);
        AddPlanned(key, block, Math.Min(state.Remaining, room));
        if (_reserved.Length < Partitions) _reserved = new bool[Partitions];
        else Array.Clear(_reserved, 0, Partitions);
        _reserved[block] = true;
        for (int n = 0; n < whole; n++)
        {
            int best = -1;
            for (int b = 0; b < Partitions; b++)
            {
                // Only a block nobody has committed tuples to: its whole room goes to this key.
                if (_reserved[b] || Committed[b] > 0 || Loads[b] >= capacity) continue;
                if (best < 0 || Before(b, best)) best = b;
            }
            if (best < 0) break;
            _reserved[best] = true;
            AddPlanned(key, best, capacity - Loads[best]);
        }

        // When migration is charged, blocks that held the key in the last batch first; then those holding the fewest keys, then the least loaded.
        bool Before(int b, int than)
        {
            if (Weights.Migration > 0)
            {
                bool held = HeldLastBatch(key, b), heldThan = HeldLastBatch(key, than);
                if (held != heldThan) return held;
            }
            return Distinct[b] < Distinct[than] || (Distinct[b] == Distinct[than] && Loads[b] < Loads[than]);
        }
    }

    private bool[] _reserved = [];

    /// <summary>The entry of the key's plan (started in this batch) on the block, or −1: a plan holds a block at most once.</summary>
    private int PlanEntryOf(int key, int block)
    {
        for (int f = _planFirst[key], end = f + _planLength[key]; f < end; f++)
            if (_planBlock[f] == block) return f;
        return -1;
    }

    private void StartPlan(int key)
    {
        _planBatch[key] = _stamp;
        _planFirst[key] = _planFragments;
        _planLength[key] = 0;
        _keyStates[key].PlanLeft = 0;
    }

    /// <summary>Appends a block with its quota to the key's plan (started last) and commits the quota to the block.</summary>
    private void AddPlanned(int key, int block, int quota)
    {
        if (_planFragments == _planBlock.Length)
        {
            Array.Resize(ref _planBlock, _planFragments * 2);
            Array.Resize(ref _planQuota, _planFragments * 2);
        }
        _planBlock[_planFragments] = block;
        _planQuota[_planFragments++] = quota;
        _planLength[key]++;
        _keyStates[key].PlanLeft += quota;
        Committed[block] += quota;
        RefreshRoom(block);
    }

    /// <summary>Tuples the key's plan still reserves on <paramref name="block"/>.</summary>
    public int PlannedQuota(int key, int block)
    {
        if (_planBatch[key] != _stamp) return 0;
        ref var state = ref _keyStates[key];
        // Place keeps the plan entry of the key's last block (−1 when its plan does not hold that block).
        int f = state.Stamp == _stamp && state.PlacedBlock == block ? state.PlanEntry : PlanEntryOf(key, block);
        return f >= 0 ? _planQuota[f] : 0;
    }

    /// <summary>Gives up what is left of the key's reservation on a block it leaves (the block's other keys take that room).</summary>
    public void ReleasePlanned(int key, int block)
    {
        if (_planBatch[key] != _stamp) return;
        int f = PlanEntryOf(key, block);
        if (f < 0 || _planQuota[f] == 0) return;
        Committed[block] -= _planQuota[f];
        _keyStates[key].PlanLeft -= _planQuota[f];
        _planQuota[f] = 0;
        RefreshRoom(block);
    }

    /// <summary>The first block of the key's plan with quota left and room under <paramref name="capacity"/>, or −1.</summary>
    public int PlannedBlock(int key, int capacity)
    {
        if (_planBatch[key] != _stamp) return -1;
        for (int f = _planFirst[key], end = f + _planLength[key]; f < end; f++)
            if (_planQuota[f] > 0 && Loads[_planBlock[f]] < capacity) return _planBlock[f];
        return -1;
    }

    /// <summary>Block capacity when <paramref name="tuple"/> tuples have been placed: ⌈E/P⌉, growing with the batch if it outgrows E.</summary>
    public int Capacity(int tuple) => tuple < ExpectedTuples ? _baseCapacity : Math.Max(_baseCapacity, tuple / Partitions + 1);

    private int _baseCapacity;

    /// <summary>True when this is the key's first tuple in the batch; initialises its batch state.</summary>
    public bool Touch(int key)
    {
        ref var state = ref _keyStates[key];
        if (state.Stamp == _stamp) return false;
        state.Stamp = _stamp;
        _touched[_touchedCount++] = key;
        state.Block = -1;
        state.PlacedBlock = -1;
        state.Seen = 0;
        state.Fragments = 0;
        state.Mode = 0;
        state.Holding = Holding.None;
        state.FillsBlock = false;
        state.PlanEntry = -1;
        state.FragmentHead = 0;
        state.Remaining = PredictedCount(ref state, key);
        state.ExpectedShare = Mode == InformationMode.Online && state.ShareBatch != 0 ? (float)(state.Share * Decay(BatchIndex - state.ShareBatch)) : 0;
        state.TuplesLeftAtFirst = TuplesLeft;
        return true;
    }

    /// <summary>
    /// Tuples of the key expected in this batch: online, its smoothed share of earlier batches times the expected
    /// batch size; buffered, its true count.
    /// </summary>
    public int PredictedCount(int key) => PredictedCount(ref _keyStates[key], key);

    private int PredictedCount(ref KeyState state, int key)
    {
        if (Mode == InformationMode.Buffered) return _counts.CountOf(key);
        if (state.ShareBatch == 0) return 0;
        double decay = Decay(BatchIndex - state.ShareBatch);
        return (int)Math.Round(state.Share * decay * ExpectedTuples);
    }

    // Over recent batches: tuples that keys the stream had not seen sent after their first, and the tuples left then.
    private double _newKeysSent, _newKeysLeft;

    /// <summary>
    /// Whether keys new to the stream come in bursts: over recent batches, a new key went on to send at least one more
    /// tuple per batch's worth of tuples left (word streams) rather than next to nothing (a Zipf stream's new keys).
    /// </summary>
    public bool NewKeysBurst => Mode == InformationMode.Online && BatchIndex > NewKeysWarmup && _newKeysLeft > 0 && _newKeysSent / _newKeysLeft * ExpectedTuples >= 1;

    /// <summary>Batches of a stream before <see cref="NewKeysBurst"/> may say yes (one batch's new keys are too few to tell).</summary>
    private const int NewKeysWarmup = 5;

    private static readonly double[] Decays = Enumerable.Range(0, 64).Select(k => Math.Pow(1 - ShareSmoothing, k)).ToArray();

    /// <summary>(1 − smoothing)^batches: how much of a share is left after that many batches without the key.</summary>
    private static double Decay(long batches) => batches <= 0 ? 1 : batches < Decays.Length ? Decays[batches] : 0;

    /// <summary>Tuples of the batch still expected after the cursor.</summary>
    public int TuplesLeft => Math.Max(0, ExpectedTuples - Cursor);

    /// <summary>Tuples the keys with an open fragment on the block are expected still to send there (online).</summary>
    public double Expected(int block) => _shares[block] * (double)TuplesLeft;

    /// <summary>Free room of a block: capacity minus its load, its commitments and what its keys are expected still to send.</summary>
    public double Free(int block, int capacity) => capacity - Loads[block] - Committed[block] - Expected(block);

    /// <summary>The block's free room as the key sees it: its own commitment there counts as room.</summary>
    public double RoomFor(int key, int block, int capacity)
    {
        ref var state = ref _keyStates[key];
        double room = Free(block, capacity) + PlannedQuota(key, block);
        if (state.Block != block) return room;
        return state.Holding switch
        {
            Holding.Count => room + state.Remaining,
            Holding.Share => room + state.ExpectedShare * (double)TuplesLeft,
            _ => room,
        };
    }

    /// <summary>
    /// Moves a key's open fragment to <paramref name="block"/>; what the key is expected still to send goes along
    /// (online its share of the tuples left; buffered, where counts are exact, its remaining tuples when
    /// <paramref name="commitCount"/>). A key with a reservation has its tuples on its planned blocks in the plan
    /// already; online, on a block beyond its plan it holds its share like any key, so that other keys leave room for
    /// the tuples its plan did not foresee.
    /// </summary>
    public void OpenFragment(int key, int block, bool commitCount)
    {
        ref var state = ref _keyStates[key];
        int old = state.Block;
        if (old >= 0) Release(ref state, old);
        state.Block = block;
        state.FillsBlock = false;
        if (HasPlan(key) && (Mode != InformationMode.Online || PlanEntryOf(key, block) >= 0)) state.Holding = Holding.None;
        else if (Mode == InformationMode.Online)
        {
            state.Holding = Holding.Share;
            _shares[block] += state.ExpectedShare;
        }
        else if (commitCount)
        {
            state.Holding = Holding.Count;
            Committed[block] += state.Remaining;
        }
        else state.Holding = Holding.None;
        RefreshRoom(block);
    }

    private void Release(ref KeyState state, int block)
    {
        switch (state.Holding)
        {
            case Holding.Count: Committed[block] -= state.Remaining; break;
            case Holding.Share: _shares[block] -= state.ExpectedShare; break;
        }
        state.Holding = Holding.None;
        RefreshRoom(block);
    }

    /// <summary>Places the tuple at <see cref="Cursor"/> on a block and advances.</summary>
    public void Place(int block)
    {
        int i = Cursor, key = Keys[i];
        Touch(key);
        ref var state = ref _keyStates[key];
        Blocks[i] = block;
        Loads[block]++;
        state.Seen++;
        if (state.Remaining > 0)
        {
            state.Remaining--;
            if (state.Holding == Holding.Count && state.Block == block) Committed[block]--;
        }
        bool planned = _planFragments > 0 && _planBatch[key] == _stamp;
        if (planned)
        {
            // A plan holds each block at most once; the entry of the key's last planned placement is checked first.
            int f = state.PlanEntry;
            if (f < 0 || _planBlock[f] != block) state.PlanEntry = f = PlanEntryOf(key, block);
            if (f >= 0 && _planQuota[f] > 0) { _planQuota[f]--; Committed[block]--; state.PlanLeft--; }
        }
        if (state.PlacedBlock != block)
        {
            bool newBlock = state.Fragments switch
            {
                0 => true,
                1 => _splitPairs.Add(key, state.PlacedBlock) | _splitPairs.Add(key, block),
                _ => _splitPairs.Add(key, block),
            };
            state.PlacedBlock = block;
            if (newBlock)
            {
                _fragmentBlock[_fragmentCount] = block;
                _fragmentNext[_fragmentCount] = state.FragmentHead - 1;
                state.FragmentHead = ++_fragmentCount;
                Distinct[block]++;
                DistinctTotal++;
                if (++state.Fragments > 1) ExtraFragments++;
            }
        }
        RefreshRoom(block);
        Cursor = i + 1;
        if (planned && state.PlanLeft > 0 && Mode == InformationMode.Online) GiveBackUnneeded(key, ref state, block);
    }

    /// <summary>Of a reservation's tuples beyond what a key is expected still to send, a quarter of a block's width.</summary>
    private const double RoundUpFraction = 0.25;

    /// <summary>A reservation keeps this many standard deviations (√ of the expected tuples) above the expectation.</summary>
    private const double ReservationMargin = 0.5;

    /// <summary>
    /// Online, gives back the reserved tuples a key is no longer expected to send (beyond its expected remainder plus
    /// a margin), from its furthest planned blocks first, so that other keys take that room while the batch goes on
    /// instead of finding it only when every other block is full.
    /// </summary>
    private void GiveBackUnneeded(int key, ref KeyState state, int current)
    {
        double expected = state.ExpectedShare * (double)TuplesLeft;
        double excess = state.PlanLeft - expected - ReservationMargin * Math.Sqrt(expected);
        for (int f = _planFirst[key] + _planLength[key] - 1; f >= _planFirst[key] && excess >= 1; f--)
        {
            int b = _planBlock[f];
            if (b == current || _planQuota[f] == 0) continue;
            int cut = Math.Min(_planQuota[f], (int)excess);
            _planQuota[f] -= cut;
            Committed[b] -= cut;
            state.PlanLeft -= cut;
            excess -= cut;
            RefreshRoom(b);
        }
    }

    // Capacity minus load and commitments per block for the blocks under capacity (Full for the others), kept current
    // for Roomiest and BestFit, which subtract what the blocks' keys are expected still to send.
    private const float Full = -1e30f;
    private float[] _room = [];
    private float[] _scratch = [];
    private int _roomCapacity = -1;

    private void RefreshRooms(int capacity)
    {
        if (capacity == _roomCapacity) return;
        _roomCapacity = capacity;
        for (int b = 0; b < Partitions; b++) RefreshRoom(b);
    }

    private void RefreshRoom(int block)
    {
        if (_roomCapacity >= 0)
            _room[block] = Loads[block] < _roomCapacity ? _roomCapacity - Loads[block] - Committed[block] : Full;
    }

    public bool Holds(int key, int block)
    {
        ref var state = ref _keyStates[key];
        if (state.Stamp != _stamp) return false;
        return state.Fragments switch
        {
            0 => false,
            1 => state.PlacedBlock == block,
            _ => _splitPairs.Contains(key, block),
        };
    }

    /// <summary>Whether the block held the key in the previous batch of the stream.</summary>
    public bool HeldLastBatch(int key, int block) =>
        InLastBatch(key) && (_keyStates[key].LastFragments == 1 ? _keyStates[key].LastBlock - 1 == block : _previousSplitPairs.Contains(key, block));

    /// <summary>Whether the key had tuples in the previous batch of the stream.</summary>
    private bool InLastBatch(int key) => _previousValid && _keyStates[key].ShareBatch == BatchIndex;

    /// <summary>
    /// A block under capacity that held the key in the previous batch (its last fragment's block first), or −1:
    /// where a fragment causes no migration.
    /// </summary>
    public int LastBatchBlock(int key, int capacity)
    {
        if (!InLastBatch(key)) return -1;
        int last = _keyStates[key].LastBlock - 1;
        if (last < Partitions && Loads[last] < capacity) return last;
        if (_keyStates[key].LastFragments == 1) return -1;
        int best = -1;
        for (int f = _keyStates[key].LastFragmentHead - 1; f >= 0; f = _previousFragmentNext[f])
        {
            int b = _previousFragmentBlock[f];
            if (b < Partitions && Loads[b] < capacity && (best < 0 || b < best)) best = b;
        }
        return best;
    }

    /// <summary>Of the blocks under capacity, the one with the most free room (the first on ties).</summary>
    public int Roomiest(int capacity)
    {
        RefreshRooms(capacity);
        int best = RoomArgmax.Of(_room, _shares, -(float)TuplesLeft);
        return _room[best] == Full ? -1 : best;
    }

    /// <summary>Free room per block at this capacity (at most <see cref="Full"/> for blocks at capacity).</summary>
    private ReadOnlySpan<float> Room(int capacity)
    {
        RefreshRooms(capacity);
        var room = _scratch.AsSpan(0, Partitions);
        float slope = -(float)TuplesLeft;
        for (int b = 0; b < room.Length; b++) room[b] = _room[b] + _shares[b] * slope;
        return room;
    }

    /// <summary>Block with the least load (the first on ties).</summary>
    public int LeastLoaded() => System.Numerics.Tensors.TensorPrimitives.IndexOfMin<int>(Loads.AsSpan(0, Partitions));

    /// <summary>The block whose free room fits <paramref name="tuples"/> most tightly, or −1.</summary>
    public int BestFit(int tuples, int capacity)
    {
        var room = Room(capacity);
        int best = -1;
        float bestFree = float.MaxValue;
        for (int b = 0; b < room.Length; b++)
        {
            float free = room[b];
            if (free >= tuples && free < bestFree) { bestFree = free; best = b; }
        }
        return best;
    }

    /// <summary>Ends the batch: measures it (when asked), then updates each key's share and last block.</summary>
    public BatchMetrics EndBatch(bool measure = true)
    {
        if (measure) LastMetrics = _analyzer.Analyze(Keys.AsSpan(0, Tuples), Blocks.AsSpan(0, Tuples), Partitions);
        _previousValid = true;
        _slackBudget.Spend(Loads, Tuples);
        long next = BatchIndex + 1;
        double newSent = 0, newLeft = 0;
        for (int t = 0; t < _touchedCount; t++)
        {
            ref var state = ref _keyStates[_touched[t]];
            if (state.ExpectedShare == 0) { newSent += state.Seen - 1; newLeft += state.TuplesLeftAtFirst; }
            double observed = (double)state.Seen / Tuples;
            state.Share = state.ShareBatch == 0 ? observed : (1 - ShareSmoothing) * (state.Share * Decay(BatchIndex - state.ShareBatch)) + ShareSmoothing * observed;
            state.ShareBatch = next;
            state.LastBlock = state.PlacedBlock + 1;
            state.LastFragments = state.Fragments;
            state.LastFragmentHead = state.FragmentHead;
        }
        if (BatchIndex > 0)
        {
            // In a stream's first batch every key is new: that says nothing about the keys that are new later.
            _newKeysSent = NewKeysMemory * _newKeysSent + newSent;
            _newKeysLeft = NewKeysMemory * _newKeysLeft + newLeft;
        }
        return LastMetrics;
    }

    private const double NewKeysMemory = 0.9;

    public double Cost => Weights.Cost(LastMetrics);

    private void EnsureKeys(int maxKey)
    {
        if (maxKey < _keyStates.Length) return;
        int size = Math.Max(maxKey + 1, _keyStates.Length * 2);
        Array.Resize(ref _keyStates, size);
        Array.Resize(ref _planBatch, size);
        Array.Resize(ref _planFirst, size);
        Array.Resize(ref _planLength, size);
    }
}

/// <summary>
/// What the world knows of one key: its state in the current batch (valid once <see cref="PartitionWorld.Touch"/> has
/// seen it in the batch) and what the stream taught across batches. One struct per key keeps a key's state on one
/// or two cache lines, which is what the per-tuple loop touches.
/// </summary>
public struct KeyState
{
    /// <summary>Block of the key's open fragment in this batch, −1 before its first decision.</summary>
    public int Block;
    /// <summary>Tuples of the key placed in this batch.</summary>
    public int Seen;
    /// <summary>Tuples the key is still expected to send in this batch.</summary>
    public int Remaining;
    /// <summary>Blocks that hold the key in this batch.</summary>
    public int Fragments;
    /// <summary>Block of the key's last tuple in the previous batch plus one; 0 when it had none.</summary>
    public int LastBlock;
    /// <summary>A scenario's mark for the key in this batch (0 at its first tuple).</summary>
    public byte Mode;
    /// <summary>The key fills its open fragment's block to capacity (it was given a block without room for it).</summary>
    public bool FillsBlock;
    internal Holding Holding;
    /// <summary>The key's share of this batch expected from earlier batches (online).</summary>
    internal float ExpectedShare;
    internal int TuplesLeftAtFirst;
    internal int PlacedBlock;
    internal int PlanEntry;
    /// <summary>Tuples the key's reservation still holds over all its planned blocks (valid while it has a plan in this batch).</summary>
    internal int PlanLeft;
    internal int FragmentHead;
    internal int LastFragmentHead;
    internal int LastFragments;
    internal long Stamp;
    internal long ShareBatch;
    internal double Share;

    internal void ForgetStream()
    {
        ShareBatch = 0;
        Share = 0;
        LastBlock = 0;
    }
}

/// <summary>How a key's expected remaining tuples are held against its open fragment's block.</summary>
internal enum Holding : byte
{
    None,
    /// <summary>As a count in <see cref="PartitionWorld.Committed"/> (buffered: exact counts).</summary>
    Count,
    /// <summary>As its expected share of the tuples left (online).</summary>
    Share,
}

/// <summary>The block with the most room, room[b] + shares[b]·slope, over arrays padded to whole vectors.</summary>
internal static class RoomArgmax
{
    /// <summary>The first block of the maximum (the same result with and without SIMD: multiply, then add, no fusing).</summary>
    public static int Of(float[] room, float[] shares, float slope)
    {
        if (Vector256.IsHardwareAccelerated && room.Length >= Vector256<float>.Count)
        {
            var bestValue = Vector256.Create(float.NegativeInfinity);
            var bestIndex = Vector256<int>.Zero;
            var index = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
            var step = Vector256.Create(Vector256<float>.Count);
            var slopes = Vector256.Create(slope);
            for (int b = 0; b < room.Length; b += Vector256<float>.Count)
            {
                var value = Vector256.LoadUnsafe(ref room[b]) + Vector256.LoadUnsafe(ref shares[b]) * slopes;
                var greater = Vector256.GreaterThan(value, bestValue);
                bestValue = Vector256.ConditionalSelect(greater, value, bestValue);
                bestIndex = Vector256.ConditionalSelect(greater.AsInt32(), index, bestIndex);
                index += step;
            }
            // The maximum over the lanes, then the smallest index among the lanes that hold it.
            var max = Vector256.Max(bestValue, Vector256.Shuffle(bestValue, Vector256.Create(4, 5, 6, 7, 0, 1, 2, 3)));
            max = Vector256.Max(max, Vector256.Shuffle(max, Vector256.Create(2, 3, 0, 1, 6, 7, 4, 5)));
            max = Vector256.Max(max, Vector256.Shuffle(max, Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6)));
            var candidates = Vector256.ConditionalSelect(Vector256.Equals(bestValue, max).AsInt32(), bestIndex, Vector256.Create(int.MaxValue));
            var min = Vector256.Min(candidates, Vector256.Shuffle(candidates, Vector256.Create(4, 5, 6, 7, 0, 1, 2, 3)));
            min = Vector256.Min(min, Vector256.Shuffle(min, Vector256.Create(2, 3, 0, 1, 6, 7, 4, 5)));
            min = Vector256.Min(min, Vector256.Shuffle(min, Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6)));
            return min.ToScalar();
        }
        int first = 0;
        float top = float.NegativeInfinity;
        for (int b = 0; b < room.Length; b++)
        {
            float v = room[b] + shares[b] * slope;
            if (v > top) { top = v; first = b; }
        }
        return first;
    }
}
