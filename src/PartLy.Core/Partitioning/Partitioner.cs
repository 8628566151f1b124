namespace PartLy.Core.Partitioning;

/// <summary>
/// Online: each tuple is placed as it arrives, knowing only the tuples before it and state kept from earlier
/// batches. Buffered: the whole batch's key counts are known before any tuple is placed.
/// </summary>
public enum InformationMode { Online, Buffered }

/// <summary>What a partitioner is told about a batch before it places it.</summary>
/// <param name="Index">0-based position of the batch in the stream.</param>
/// <param name="Partitions">Number of blocks P for this batch.</param>
/// <param name="ExpectedTuples">The batch size an online partitioner may assume (0 if unknown).</param>
public readonly record struct BatchContext(long Index, int Partitions, int ExpectedTuples);

/// <summary>
/// Places the tuples of each micro-batch into P blocks. One instance serves one stream: it may keep state across
/// batches (load estimates, heavy-hitter sketches, the block a key had last time).
/// </summary>
public abstract class Partitioner
{
    private int[] _loads = [];

    /// <summary>The name its paper uses (for tables).</summary>
    public abstract string Name { get; }

    public virtual InformationMode Mode => InformationMode.Online;

    /// <summary>The parameters it was made with, defaults included (<c>window=60000,slide=1000</c>; empty for none).</summary>
    public string Parameters { get; internal set; } = "";

    /// <summary>What it has learned of the stream so far, for reports (<c>split_budget=3,...</c>; empty for most).</summary>
    public virtual string State => "";

    /// <summary>Tuples placed on each block so far in the current batch.</summary>
    protected Span<int> Loads => _loads;

    /// <summary>Places every tuple of one batch: <c>blocks[i]</c> receives the block of <c>keys[i]</c>.</summary>
    public void Partition(in BatchContext context, ReadOnlySpan<int> keys, Span<int> blocks)
    {
        if (context.Partitions < 1) throw new ArgumentOutOfRangeException(nameof(context), "partitions must be at least 1");
        if (blocks.Length < keys.Length) throw new ArgumentException("blocks must be as long as keys", nameof(blocks));
        if (_loads.Length != context.Partitions) _loads = new int[context.Partitions];
        else Array.Clear(_loads);
        Route(context, keys, blocks[..keys.Length]);
    }

    protected abstract void Route(in BatchContext context, ReadOnlySpan<int> keys, Span<int> blocks);

    /// <summary>Index of the smallest load (the first on ties).</summary>
    protected static int LeastLoaded(ReadOnlySpan<int> loads)
    {
        int best = 0, min = loads[0];
        for (int i = 1; i < loads.Length; i++)
            if (loads[i] < min) { min = loads[i]; best = i; }
        return best;
    }

    /// <summary>Grows a per-key array so that <paramref name="key"/> is a valid index.</summary>
    protected static void EnsureKey<T>(ref T[] array, int key, T fill = default!)
    {
        if (key < array.Length) return;
        int old = array.Length;
        Array.Resize(ref array, KeyArrays.Capacity(key));
        if (!EqualityComparer<T>.Default.Equals(fill, default!)) array.AsSpan(old).Fill(fill);
    }
}
