using PartLy.Core.Partitioning.Reserving;

namespace PartLy.Learning.Scenarios;

/// <summary>
/// The scale-free features of putting a key on a candidate block, one row per candidate, so that one network serves
/// any P; and the global state of a decision for the value function.
/// </summary>
public static class CandidateFeatures
{
    /// <summary>The block's load relative to capacity.</summary>
    public const int Load = 0;
    /// <summary>Its free room (capacity − load − commitments − what its keys will still send) relative to capacity.</summary>
    public const int FreeRoom = 1;
    /// <summary>The key's expected remainder relative to capacity.</summary>
    public const int KeyRemainder = 2;
    /// <summary>Free room after the remainder, relative to capacity (negative: it does not fit).</summary>
    public const int RoomAfter = 3;
    /// <summary>1 when the block held the key in the last batch.</summary>
    public const int HeldLastBatch = 4;
    /// <summary>1 when the block is one of the key's two hash choices.</summary>
    public const int HashChoice = 5;
    /// <summary>1 when the block already holds the key in this batch.</summary>
    public const int HoldsKey = 6;
    /// <summary>The block's distinct keys relative to the mean (+1).</summary>
    public const int DistinctKeys = 7;
    /// <summary>Batch progress: tuples placed over tuples expected.</summary>
    public const int Progress = 8;
    /// <summary>The key's fragments so far relative to P.</summary>
    public const int KeyFragments = 9;
    /// <summary>1 when the block is the key's reserved block.</summary>
    public const int Reserved = 10;
    public const int Count = 11;

    /// <summary>The global state: progress, fullest block, free room and commitments over all blocks, the key's remainder, extra fragments.</summary>
    public static class State
    {
        public const int Progress = 0;
        public const int FullestBlock = 1;
        public const int FreeRoom = 2;
        public const int KeyRemainder = 3;
        public const int ExtraFragments = 4;
        public const int Committed = 5;
        public const int Count = 6;
    }

    public static void Describe(Span<float> row, BatchPlacer placer, int key, int block, int capacity, int remaining, bool hashChoice, bool reserved)
    {
        var ledger = placer.Ledger;
        float perCapacity = 1f / capacity;
        float free = (float)ledger.Free(block, capacity);
        row[Load] = ledger.Loads[block] * perCapacity;
        row[FreeRoom] = free * perCapacity;
        row[KeyRemainder] = remaining * perCapacity;
        row[RoomAfter] = (free - remaining) * perCapacity;
        row[HeldLastBatch] = placer.Memory.HeldLastBatch(key, block) ? 1 : 0;
        row[HashChoice] = hashChoice ? 1 : 0;
        row[HoldsKey] = placer.Memory.Holds(key, block) ? 1 : 0;
        row[DistinctKeys] = ledger.Distinct[block] / ((float)ledger.DistinctTotal / ledger.Partitions + 1);
        row[Progress] = (float)placer.Cursor / placer.ExpectedTuples;
        row[KeyFragments] = placer.Key(key).Fragments / (float)ledger.Partitions;
        row[Reserved] = reserved ? 1 : 0;
    }

    public static void FillState(Span<float> state, BatchPlacer placer, int key, int capacity)
    {
        var ledger = placer.Ledger;
        int p = ledger.Partitions, maxLoad = 0;
        double free = 0;
        long committed = 0;
        for (int b = 0; b < p; b++)
        {
            maxLoad = Math.Max(maxLoad, ledger.Loads[b]);
            free += ledger.Free(b, capacity);
            committed += ledger.Committed[b];
        }
        float c = capacity;
        state[State.Progress] = (float)placer.Cursor / placer.ExpectedTuples;
        state[State.FullestBlock] = maxLoad / c;
        state[State.FreeRoom] = (float)(free / (c * p));
        state[State.KeyRemainder] = placer.Key(key).Remaining / c;
        state[State.ExtraFragments] = ledger.ExtraFragments / (float)p;
        state[State.Committed] = committed / (c * p);
    }
}
