namespace PartLy.Core.Partitioning.Reserving;

/// <summary>
/// What is known of one key: its state in the current batch (valid once <see cref="KeyMemory.Touch"/> has seen it
/// in the batch) and what the stream taught across batches. One struct per key keeps a key's state on one or two
/// cache lines, which is what the per-tuple loop touches.
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
    /// <summary>The key fills its open fragment's block to capacity (it was given a block without room for it).</summary>
    public bool FillsBlock;
    /// <summary>How the key's expected remaining tuples are held against its open fragment's block.</summary>
    public Holding Holding;
    /// <summary>The key's share of this batch expected from earlier batches (online).</summary>
    public float ExpectedShare;
    internal int TuplesLeftAtFirst;
    internal int PlacedBlock;
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
public enum Holding : byte
{
    None,
    /// <summary>As a count in <see cref="BlockLedger.Committed"/> (buffered: exact counts).</summary>
    Count,
    /// <summary>As its expected share of the tuples left (online).</summary>
    Share,
}
