using System.Runtime.CompilerServices;

namespace PartLy.Core.Partitioning.Reserving;

/// <summary>
/// One micro-batch placed tuple by tuple on a <see cref="BlockLedger"/>, with the keys' <see cref="KeyMemory"/>:
/// the cursor, each tuple's block, the block capacity (with a capacity slack spent over the stream's batches), and
/// the bookkeeping of a placement (loads, fragments, what a key still holds against its block). Partitioners that
/// decide per key build their rules on it.
/// </summary>
public sealed class BatchPlacer
{
    private readonly SlackBudget _slackBudget;
    private readonly KeyCounts _counts = new();
    private int _baseCapacity;

    public BatchPlacer(InformationMode mode, double slack = 0)
    {
        Mode = mode;
        _slackBudget = new SlackBudget(slack);
        Memory = new KeyMemory(mode);
    }

    public InformationMode Mode { get; }

    /// <summary>
    /// The mean imbalance the blocks may take: capacity is ⌊(1 + slack)·E/P⌋, never below ⌈E/P⌉, with the slack that
    /// rounding leaves carried to later batches (<see cref="SlackBudget"/>).
    /// </summary>
    public double Slack => _slackBudget.Slack;

    public BlockLedger Ledger { get; } = new();
    public KeyMemory Memory { get; }

    /// <summary>The batch's exact key counts (buffered only).</summary>
    public KeyCounts Counts => _counts;

    public int[] Keys { get; private set; } = [];
    public int[] Blocks { get; private set; } = [];
    public int Tuples { get; private set; }
    public int Partitions => Ledger.Partitions;
    public int ExpectedTuples => Ledger.ExpectedTuples;
    public long BatchIndex => Memory.BatchIndex;
    public int Cursor => Ledger.Placed;
    public int BaseCapacity => _baseCapacity;

    public ref KeyState Key(int key) => ref Memory[key];

    /// <summary>Forgets the stream (a new one starts).</summary>
    public void ResetStream()
    {
        Memory.ResetStream();
        _slackBudget.Reset();
    }

    /// <summary>Starts placing a batch; <paramref name="expectedTuples"/> 0 means the batch's own size.</summary>
    public void BeginBatch(ReadOnlySpan<int> keys, int partitions, int expectedTuples, long index)
    {
        Tuples = keys.Length;
        if (Blocks.Length < Tuples)
        {
            Blocks = new int[Math.Max(Tuples, Blocks.Length * 2)];
            Keys = new int[Blocks.Length];
        }
        keys.CopyTo(Keys);
        int expected = expectedTuples > 0 ? expectedTuples : Tuples;
        _baseCapacity = _slackBudget.Capacity(expected, partitions);
        Ledger.Begin(partitions, expected);
        if (Mode == InformationMode.Buffered) _counts.Count(keys);
        Memory.BeginBatch(keys, index, expected, Mode == InformationMode.Buffered ? _counts : null);
    }

    /// <summary>Block capacity when <paramref name="tuple"/> tuples have been placed: ⌈E/P⌉, growing with the batch if it outgrows E.</summary>
    public int Capacity(int tuple) => tuple < ExpectedTuples ? _baseCapacity : Math.Max(_baseCapacity, tuple / Partitions + 1);

    /// <summary>True when this is the key's first tuple in the batch; initialises its batch state.</summary>
    public bool Touch(int key) => Memory.Touch(key, Ledger.TuplesLeft);

    /// <summary>
    /// How a key opening a fragment holds what it will still send against the block by default: online its share of
    /// the tuples left; buffered, where counts are exact, its remaining count when <paramref name="commitCount"/>.
    /// </summary>
    public Holding DefaultHolding(bool commitCount) =>
        Mode == InformationMode.Online ? Holding.Share : commitCount ? Holding.Count : Holding.None;

    /// <summary>Moves a key's open fragment to <paramref name="block"/>, holding its expected tuples there as asked.</summary>
    public void OpenFragment(int key, int block, Holding holding) => OpenFragment(ref Memory[key], block, holding);

    internal void OpenFragment(ref KeyState state, int block, Holding holding)
    {
        int old = state.Block;
        if (old >= 0) Release(ref state, old);
        state.Block = block;
        state.FillsBlock = false;
        state.Holding = holding;
        if (holding == Holding.Share) Ledger.AddShare(block, state.ExpectedShare);
        else if (holding == Holding.Count) Ledger.Commit(block, state.Remaining);
        Ledger.RefreshRoom(block);
    }

    private void Release(ref KeyState state, int block)
    {
        switch (state.Holding)
        {
            case Holding.Count: Ledger.Committed[block] -= state.Remaining; break;
            case Holding.Share: Ledger.AddShare(block, -state.ExpectedShare); break;
        }
        state.Holding = Holding.None;
        Ledger.RefreshRoom(block);
    }

    /// <summary>Places the tuple at the cursor on a block and advances.</summary>
    public void Place(int block)
    {
        int i = Cursor, key = Keys[i];
        Place(i, key, ref Memory.Touched(key, Ledger.TuplesLeft), block);
    }

    /// <summary>Places tuple <paramref name="i"/> (the cursor's) of <paramref name="key"/>, whose state is touched, on a block and advances.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Place(int i, int key, ref KeyState state, int block)
    {
        var ledger = Ledger;
        Blocks[i] = block;
        ledger.Loads[block]++;
        state.Seen++;
        if (state.Remaining > 0)
        {
            state.Remaining--;
            if (state.Holding == Holding.Count && state.Block == block) ledger.Committed[block]--;
        }
        if (Memory.RecordPlacement(key, ref state, block)) ledger.AddFragment(block, state.Fragments > 1);
        ledger.RefreshRoom(block);
        ledger.Placed = i + 1;
    }

    /// <summary>Ends the batch: spends its imbalance from the slack budget and updates the keys' memory.</summary>
    public void EndBatch()
    {
        _slackBudget.Spend(Ledger.Loads, Tuples);
        Memory.EndBatch(Tuples);
    }
}
