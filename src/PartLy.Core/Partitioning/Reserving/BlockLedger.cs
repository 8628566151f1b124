namespace PartLy.Core.Partitioning.Reserving;

/// <summary>
/// The blocks of the batch being placed: their loads and distinct keys, the tuples committed to them (reservations,
/// and buffered the remaining counts of the keys whose open fragment is there), the summed expected shares of the
/// keys open on them (online), and the searches over their free room. Free room is capacity minus load minus
/// commitments minus what the block's keys are expected still to send at their shares of the tuples left.
/// </summary>
public sealed class BlockLedger
{
    // Capacity minus load and commitments per block for the blocks under capacity (Full for the others), kept
    // current for Roomiest and BestFit, which subtract what the blocks' keys are expected still to send.
    private const float Full = -1e30f;
    private float[] _shares = [];
    private float[] _room = [];
    private float[] _scratch = [];
    private int _roomCapacity = -1;

    public int Partitions { get; private set; }
    public int[] Loads { get; private set; } = [];
    public int[] Distinct { get; private set; } = [];
    public int[] Committed { get; private set; } = [];

    /// <summary>The batch size the ledger expects (tuples left are counted against it).</summary>
    public int ExpectedTuples { get; private set; }

    /// <summary>Tuples placed so far in the batch.</summary>
    public int Placed { get; internal set; }

    /// <summary>Σ distinct keys over the blocks: the batch's (key, block) pairs.</summary>
    public int DistinctTotal { get; private set; }

    /// <summary>Fragments beyond each key's first in the batch.</summary>
    public int ExtraFragments { get; private set; }

    /// <summary>Tuples of the batch still expected after those placed.</summary>
    public int TuplesLeft => Math.Max(0, ExpectedTuples - Placed);

    public void Begin(int partitions, int expectedTuples)
    {
        ExpectedTuples = expectedTuples;
        Placed = 0;
        ExtraFragments = 0;
        DistinctTotal = 0;
        if (Loads.Length != partitions)
        {
            Partitions = partitions;
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
    }

    /// <summary>Counts a new (key, block) pair; <paramref name="extra"/> when it is not the key's first fragment.</summary>
    public void AddFragment(int block, bool extra)
    {
        Distinct[block]++;
        DistinctTotal++;
        if (extra) ExtraFragments++;
    }

    /// <summary>Commits tuples to a block (negative to give them back).</summary>
    public void Commit(int block, int tuples)
    {
        Committed[block] += tuples;
        RefreshRoom(block);
    }

    /// <summary>Adds a key's expected share of the tuples left to a block (negative to take it away).</summary>
    public void AddShare(int block, float share)
    {
        _shares[block] += share;
        RefreshRoom(block);
    }

    /// <summary>Tuples the keys with an open fragment on the block are expected still to send there (online).</summary>
    public double Expected(int block) => _shares[block] * (double)TuplesLeft;

    /// <summary>Free room of a block: capacity minus its load, its commitments and what its keys are expected still to send.</summary>
    public double Free(int block, int capacity) => capacity - Loads[block] - Committed[block] - Expected(block);

    public void RefreshRoom(int block)
    {
        if (_roomCapacity >= 0)
            _room[block] = Loads[block] < _roomCapacity ? _roomCapacity - Loads[block] - Committed[block] : Full;
    }

    private void RefreshRooms(int capacity)
    {
        if (capacity == _roomCapacity) return;
        _roomCapacity = capacity;
        for (int b = 0; b < Partitions; b++) RefreshRoom(b);
    }

    /// <summary>Of the blocks under capacity, the one with the most free room (the first on ties), or −1.</summary>
    public int Roomiest(int capacity)
    {
        RefreshRooms(capacity);
        int best = RoomArgmax.Of(_room, _shares, -(float)TuplesLeft);
        return _room[best] == Full ? -1 : best;
    }

    /// <summary>Block with the least load (the first on ties).</summary>
    public int LeastLoaded() => System.Numerics.Tensors.TensorPrimitives.IndexOfMin<int>(Loads.AsSpan(0, Partitions));

    /// <summary>The block whose free room fits <paramref name="tuples"/> most tightly, or −1.</summary>
    public int BestFit(int tuples, int capacity)
    {
        RefreshRooms(capacity);
        var room = _scratch.AsSpan(0, Partitions);
        float slope = -(float)TuplesLeft;
        for (int b = 0; b < room.Length; b++) room[b] = _room[b] + _shares[b] * slope;
        int best = -1;
        float bestFree = float.MaxValue;
        for (int b = 0; b < room.Length; b++)
        {
            float free = room[b];
            if (free >= tuples && free < bestFree) { bestFree = free; best = b; }
        }
        return best;
    }
}
