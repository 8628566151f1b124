using System.Runtime.CompilerServices;
using PartLy.Core.Hashing;

namespace PartLy.Core.Partitioning.Reserving;

/// <summary>What the reserving partitioner is made of.</summary>
/// <param name="Mode">Online (expected counts from earlier batches) or buffered (the batch's counts).</param>
/// <param name="Slack">Imbalance the blocks may take so that fewer keys split (mean λ ≤ slack).</param>
/// <param name="Locality">Keep keys on the blocks that held them last batch where that costs nothing (when migration is charged).</param>
public sealed record ReservingOptions(InformationMode Mode = InformationMode.Online, double Slack = 0, bool Locality = false);

/// <summary>
/// The reserving partitioner: places the fragments of hot keys (expected from earlier batches online, from the
/// batch's counts buffered, or seen to send at least three quarters of a block's capacity). Every key with an open
/// fragment holds what it is expected still to send against that block, so free room means capacity minus load minus
/// what the block's keys will still send. Reservations (<see cref="ReservationPlan"/>) keep room for the hottest
/// keys. A hot key keeps its block while the block has room for it (online, it stops short of what the block's other
/// keys will still send, instead of filling the block and splitting them), then moves on to its next reserved block
/// without a decision. Otherwise its <see cref="IHotKeyChooser"/> picks among up to seven candidates: the next block
/// of its reservation, a block that held the key in the last batch, the block with the most free room, the block that
/// fits its expected remainder most tightly, its two hash choices, and the least loaded block. Cold keys need no
/// decision: they take the block with the most free room (with locality, last batch's block while its free room holds
/// their expected tuples; in a stream whose new keys come in bursts, as words do, a key expected to send nothing more
/// takes the least loaded block, since a burst needs room now rather than room net of what other keys send later).
/// </summary>
public sealed class ReservingPartitioner : Partitioner
{
    /// <summary>A key is hot when it is expected to send at least this fraction of a block's capacity.</summary>
    public const double HotFraction = 0.75;
    public const int MaxCandidates = 7;

    private readonly IHotKeyChooser _chooser;
    private readonly int[] _candidates = new int[16];
    private int _candidateCount;

    public ReservingPartitioner(ReservingOptions options, IHotKeyChooser? chooser = null, string name = "Reserving")
    {
        Options = options;
        _chooser = chooser ?? FirstCandidate.Instance;
        Placer = new BatchPlacer(options.Mode, options.Slack);
        Plan = new ReservationPlan(Placer);
        Name = name;
    }

    public ReservingOptions Options { get; }
    public override string Name { get; }
    public override InformationMode Mode => Options.Mode;
    public BatchPlacer Placer { get; }
    public ReservationPlan Plan { get; }
    public BlockLedger Ledger => Placer.Ledger;
    public KeyMemory Memory => Placer.Memory;

    /// <summary>The candidate blocks of the decision at hand.</summary>
    public ReadOnlySpan<int> Candidates => _candidates.AsSpan(0, _candidateCount);

    /// <summary>The key to decide for, the capacity, its expected remainder (at least 1), its reserved block (or −1) and hash choices.</summary>
    public int DecisionKey { get; private set; }
    public int DecisionCapacity { get; private set; }
    public int DecisionRemaining { get; private set; }
    public int DecisionPlanned { get; private set; }
    public (int First, int Second) DecisionHashChoices { get; private set; }

    /// <summary>Decisions taken in the last batch.</summary>
    public int LastDecisions { get; private set; }

    private int _decisions;

    public void ResetStream() => Placer.ResetStream();

    /// <summary>Starts a batch: the keys, the blocks, and (buffered) the reservations laid out from its counts.</summary>
    public void BeginBatch(in BatchContext context, ReadOnlySpan<int> keys)
    {
        Placer.BeginBatch(keys, context.Partitions, context.ExpectedTuples, context.Index);
        Plan.Begin(HotFraction * Placer.BaseCapacity);
        _decisions = 0;
    }

    protected override void Route(in BatchContext context, ReadOnlySpan<int> keys, Span<int> blocks)
    {
        if (context.Index == 0) ResetStream();
        BeginBatch(context, keys);
        while (AdvanceToDecision()) Decide(_chooser.Choose(this));
        Placer.Blocks.AsSpan(0, keys.Length).CopyTo(blocks);
        EndBatch();
    }

    /// <summary>Ends the batch (the keys' memory and the slack budget move on).</summary>
    public void EndBatch()
    {
        LastDecisions = _decisions;
        Placer.EndBatch();
    }

    /// <summary>Places tuples by the rules until a hot key needs a decision (true, with its candidates ready) or the batch is placed.</summary>
    public bool AdvanceToDecision()
    {
        var placer = Placer;
        var ledger = Ledger;
        var memory = Memory;
        int[] keys = placer.Keys, loads = ledger.Loads;
        int tuples = placer.Tuples;
        int capacity = 0, hotThreshold = 0;
        for (int i = ledger.Placed; i < tuples; i = ledger.Placed)
        {
            int key = keys[i];
            if (i + KeyMemory.PrefetchDistance < tuples) memory.Prefetch(keys[i + KeyMemory.PrefetchDistance]);
            int c = placer.Capacity(i);
            if (c != capacity) { capacity = c; hotThreshold = (int)Math.Ceiling(HotFraction * c); }
            ref var state = ref memory.Touched(key, ledger.TuplesLeft);
            int block = state.Block;
            bool hot = state.Seen + state.Remaining >= hotThreshold;
            if (block >= 0 && loads[block] < capacity && (!hot || OwnsRoom(key, ref state, block, capacity)))
            {
                Place(i, key, ref state, block);
                continue;
            }
            if (hot)
            {
                if (!MoveHotKey(key, block, capacity)) return true;
                continue;
            }
            PlaceColdKey(i, key, ref state, capacity);
        }
        return false;
    }

    /// <summary>
    /// A hot key that cannot stay on its block: a key with a reservation moves on to its next reserved block without a
    /// decision (true); otherwise the decision is prepared (false).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool MoveHotKey(int key, int block, int capacity)
    {
        if (block >= 0) Plan.Release(key, block);
        int planned = block >= 0 ? Plan.NextBlock(key, capacity) : -1;
        if (planned < 0)
        {
            PrepareDecision(key, capacity);
            return false;
        }
        OpenHotFragment(key, planned, capacity);
        Place(planned);
        return true;
    }

    /// <summary>A cold key opening a fragment: the block with the most free room (see the class summary for locality and bursts).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void PlaceColdKey(int i, int key, ref KeyState state, int capacity)
    {
        int block = state.Block;
        var loads = Ledger.Loads;
        int expected = Math.Max(state.Remaining, 1);
        int last = state.LastBlock - 1;
        int target = Options.Locality && block < 0 && last >= 0 && last < Placer.Partitions && loads[last] < capacity && Ledger.Free(last, capacity) >= expected
            ? last
            : block < 0 && state.Remaining == 0 && Memory.NewKeysBurst ? Ledger.LeastLoaded() : Ledger.Roomiest(capacity);
        OpenFragment(key, ref state, target);
        Place(i, key, ref state, target);
    }

    /// <summary>Applies the choice of candidate <paramref name="candidate"/> for the key at the cursor.</summary>
    public void Decide(int candidate)
    {
        if ((uint)candidate >= (uint)_candidateCount)
            throw new ArgumentOutOfRangeException(nameof(candidate), $"candidate {candidate} is not among the {_candidateCount} candidates");
        int key = DecisionKey, block = _candidates[candidate], capacity = DecisionCapacity;
        _decisions++;
        Plan.ReserveAhead(key, block, capacity, Options.Locality);
        OpenHotFragment(key, block, capacity);
        Place(block);
    }

    private void PrepareDecision(int key, int capacity)
    {
        int p = Placer.Partitions;
        DecisionKey = key;
        DecisionCapacity = capacity;
        DecisionRemaining = Math.Max(Placer.Key(key).Remaining, 1);
        int last = Memory.LastBatchBlock(key, capacity, Ledger.Loads);
        _candidateCount = 0;
        int planned = Plan.NextBlock(key, capacity);
        DecisionPlanned = planned;
        if (planned >= 0) AddCandidate(planned);
        if (last >= 0) AddCandidate(last);
        AddCandidate(Ledger.Roomiest(capacity));
        int fit = Ledger.BestFit(DecisionRemaining, capacity);
        if (fit >= 0) AddCandidate(fit);
        int h0 = Murmur3.Candidate(key, 0, p), h1 = Murmur3.Candidate(key, 1, p);
        DecisionHashChoices = (h0, h1);
        if (Ledger.Loads[h0] < capacity) AddCandidate(h0);
        if (Ledger.Loads[h1] < capacity) AddCandidate(h1);
        AddCandidate(Ledger.LeastLoaded());
    }

    private void AddCandidate(int block)
    {
        for (int c = 0; c < _candidateCount; c++) if (_candidates[c] == block) return;
        _candidates[_candidateCount++] = block;
    }

    /// <summary>
    /// Whether a hot key keeps its block. Online, while the block has room for it beyond what the block's other keys
    /// are expected still to send (else filling it would split them), or when it was given the block without such
    /// room (it then fills it to capacity). Buffered, where reservations are exact, while its reservation there lasts
    /// or the block has unreserved room.
    /// </summary>
    private bool OwnsRoom(int key, ref KeyState state, int block, int capacity) =>
        Options.Mode == InformationMode.Online
            ? state.FillsBlock || RoomFor(key, ref state, block, capacity) > 0
            : !Plan.Has(key) || Plan.Quota(key, ref state, block) > 0 || Ledger.Free(block, capacity) > 0;

    /// <summary>The block's free room as the key sees it: its own reservation and expected tuples there count as room.</summary>
    public double RoomFor(int key, int block, int capacity) => RoomFor(key, ref Placer.Key(key), block, capacity);

    private double RoomFor(int key, ref KeyState state, int block, int capacity)
    {
        double room = Ledger.Free(block, capacity) + Plan.Quota(key, ref state, block);
        if (state.Block != block) return room;
        return state.Holding switch
        {
            Holding.Count => room + state.Remaining,
            Holding.Share => room + state.ExpectedShare * (double)Ledger.TuplesLeft,
            _ => room,
        };
    }

    /// <summary>
    /// Moves a key's open fragment; a key with a reservation has its tuples on its planned blocks in the plan already,
    /// and online, on a block beyond its plan, it holds its share like any key, so that other keys leave room for the
    /// tuples its plan did not foresee.
    /// </summary>
    public void OpenFragment(int key, int block) => OpenFragment(key, ref Placer.Key(key), block);

    private void OpenFragment(int key, ref KeyState state, int block)
    {
        bool planned = Plan.Any && Plan.Has(key) && (Options.Mode != InformationMode.Online || Plan.Covers(key, block));
        Placer.OpenFragment(ref state, block, planned ? Holding.None : Placer.DefaultHolding(commitCount: true));
    }

    /// <summary>Opens a hot key's fragment; given a block without room for it, the key fills that block to capacity.</summary>
    private void OpenHotFragment(int key, int block, int capacity)
    {
        OpenFragment(key, block);
        Placer.Key(key).FillsBlock = RoomFor(key, block, capacity) <= 0;
    }

    /// <summary>Places the tuple at the cursor on a block, with the reservation bookkeeping (no rule applied).</summary>
    public void Place(int block)
    {
        int i = Placer.Cursor, key = Placer.Keys[i];
        Place(i, key, ref Memory.Touched(key, Ledger.TuplesLeft), block);
    }

    private void Place(int i, int key, ref KeyState state, int block)
    {
        bool planned = Plan.Any && Plan.Has(key);
        Placer.Place(i, key, ref state, block);
        if (planned) Plan.Spend(key, block);
    }
}
