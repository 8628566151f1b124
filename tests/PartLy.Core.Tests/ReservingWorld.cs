using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;
using PartLy.Core.Partitioning.Reserving;

namespace PartLy.Core.Tests;

/// <summary>
/// The reserving partitioner driven by hand, for white-box tests of its rules: batches begun and tuples forced onto
/// blocks, decisions taken with the first candidate unless a test chooses.
/// </summary>
internal sealed class ReservingWorld(InformationMode mode, CostWeights weights, double slack = 0)
{
    private readonly BatchAnalyzer _analyzer = new();
    public ReservingPartitioner Partitioner { get; } = new(new ReservingOptions(mode, slack, weights.Migration > 0));
    private BatchPlacer Placer => Partitioner.Placer;

    public int[] Keys => Placer.Keys;
    public int[] Blocks => Placer.Blocks;
    public int Tuples => Placer.Tuples;
    public int Cursor => Placer.Cursor;
    public bool NewKeysBurst => Partitioner.Memory.NewKeysBurst;
    public ref KeyState Key(int key) => ref Placer.Key(key);

    public void BeginBatch(int[] keys, int partitions, int expected, long index) =>
        Partitioner.BeginBatch(new BatchContext(index, partitions, expected), keys);

    /// <summary>Forces the tuple at the cursor onto a block (no rule applied).</summary>
    public void Place(int block) => Partitioner.Place(block);

    public BatchMetrics EndBatch()
    {
        var metrics = _analyzer.Analyze(Keys.AsSpan(0, Tuples), Blocks.AsSpan(0, Tuples), Partitioner.Ledger.Partitions);
        Partitioner.EndBatch();
        return metrics;
    }

    /// <summary>Places the rest of the batch, taking the first candidate at every decision, and measures it.</summary>
    public BatchMetrics PlayFirst()
    {
        while (Partitioner.AdvanceToDecision()) Partitioner.Decide(0);
        return EndBatch();
    }

    public int PlannedQuota(int key, int block) => Partitioner.Plan.Quota(key, block);
    public bool HasPlan(int key) => Partitioner.Plan.Has(key);
    public double Free(int block, int capacity) => Partitioner.Ledger.Free(block, capacity);
    public double Expected(int block) => Partitioner.Ledger.Expected(block);
    public int Roomiest(int capacity) => Partitioner.Ledger.Roomiest(capacity);
    public double RoomFor(int key, int block, int capacity) => Partitioner.RoomFor(key, block, capacity);
    public bool Touch(int key) => Placer.Touch(key);
    public void ReserveAhead(int key, int block, int capacity) => Partitioner.Plan.ReserveAhead(key, block, capacity, Partitioner.Options.Locality);

    /// <summary>Moves the key's open fragment by the partitioner's own rule (a reserved key holds nothing on its planned blocks).</summary>
    public void OpenFragment(int key, int block) => Partitioner.OpenFragment(key, block);

    public HashSet<int> BlocksOf(int key)
    {
        var blocks = new HashSet<int>();
        for (int i = 0; i < Tuples; i++) if (Keys[i] == key) blocks.Add(Blocks[i]);
        return blocks;
    }

    /// <summary>Batch 0 (tuple i on block (i + shift) mod P) teaches each key's share; batch 1 repeats the same keys.</summary>
    public static ReservingWorld Taught(int[] keys, int partitions, int shift = 0)
    {
        var world = new ReservingWorld(InformationMode.Online, new CostWeights());
        world.BeginBatch(keys, partitions, keys.Length, 0);
        for (int i = 0; i < keys.Length; i++) world.Place((i + shift) % partitions);
        world.EndBatch();
        world.BeginBatch(keys, partitions, keys.Length, 1);
        return world;
    }
}
