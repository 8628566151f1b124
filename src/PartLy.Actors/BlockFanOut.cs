using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Akka.Actor;
using PartLy.Core.Metrics;

namespace PartLy.Actors;

/// <summary>
/// A placed batch out at the partition actors, one message per block, and the tally of their reports (sizes,
/// distinct keys, the slowest block's time). Shared by the agents that place batches.
/// </summary>
public sealed class BlockFanOut
{
    private BlockFanOut(int partitions)
    {
        Sizes = new int[partitions];
        Distinct = new int[partitions];
    }

    public int[] Sizes { get; }
    public int[] Distinct { get; }
    public double SlowestBlock { get; private set; }
    public int Reports { get; private set; }
    public bool Complete => Reports == Sizes.Length;

    /// <summary>Sends each block its tuples (creating partition actors up to <paramref name="blocks"/>' P as needed).</summary>
    public static BlockFanOut Send(long sequence, int[] keys, ReadOnlySpan<int> blocks, int partitions, List<IActorRef> actors, Func<int, IActorRef> create)
    {
        var sizes = new int[partitions];
        foreach (int b in blocks) sizes[b]++;
        var perBlock = new int[partitions][];
        for (int b = 0; b < partitions; b++) perBlock[b] = new int[sizes[b]];
        Array.Clear(sizes);
        for (int i = 0; i < keys.Length; i++) perBlock[blocks[i]][sizes[blocks[i]]++] = keys[i];
        while (actors.Count < partitions) actors.Add(create(actors.Count));
        for (int b = 0; b < partitions; b++)
            actors[b].Tell(new ProcessBlock(sequence, b, ImmutableCollectionsMarshal.AsImmutableArray(perBlock[b])));
        return new BlockFanOut(partitions);
    }

    /// <summary>
    /// Sends each worker node the blocks it holds, one message per worker: block b of P goes to worker ⌊b·W/P⌋ of the
    /// W workers (contiguous ranges, as Flink's key groups map onto subtasks), so the placement is the same on every run.
    /// </summary>
    public static BlockFanOut SendToWorkers(long sequence, int[] keys, ReadOnlySpan<int> blocks, int partitions, IReadOnlyList<ActorSelection> workers, IActorRef self)
    {
        var sizes = new int[partitions];
        foreach (int b in blocks) sizes[b]++;
        int w = workers.Count;
        // Blocks of one worker are contiguous, so each worker's keys are one run of the keys ordered by block.
        var starts = new int[partitions + 1];
        for (int b = 0; b < partitions; b++) starts[b + 1] = starts[b] + sizes[b];
        var ordered = new int[keys.Length];
        var cursor = (int[])starts.Clone();
        for (int i = 0; i < keys.Length; i++) ordered[cursor[blocks[i]]++] = keys[i];
        for (int worker = 0; worker < w; worker++)
        {
            int first = (worker * partitions + w - 1) / w, last = ((worker + 1) * partitions + w - 1) / w;
            if (first >= last) continue;
            var ids = new int[last - first];
            var ends = new int[last - first];
            for (int b = first; b < last; b++) { ids[b - first] = b; ends[b - first] = starts[b + 1] - starts[first]; }
            var mine = ordered.AsSpan(starts[first], starts[last] - starts[first]).ToArray();
            workers[worker].Tell(new ProcessBlocks(sequence, ImmutableCollectionsMarshal.AsImmutableArray(ids), ImmutableCollectionsMarshal.AsImmutableArray(ends),
                ImmutableCollectionsMarshal.AsImmutableArray(mine)), self);
        }
        return new BlockFanOut(partitions);
    }

    /// <summary>Takes a worker's reports; true once every block has reported.</summary>
    public bool Add(BlocksProcessed reports)
    {
        bool complete = false;
        for (int i = 0; i < reports.Blocks.Length; i++)
            complete = Add(new BlockProcessed(reports.Sequence, reports.Blocks[i], reports.Tuples[i], reports.DistinctKeys[i], reports.ProcessingTimes[i]));
        return complete;
    }

    /// <summary>Takes a block's report; true once every block has reported.</summary>
    public bool Add(BlockProcessed report)
    {
        Sizes[report.Block] = report.Tuples;
        Distinct[report.Block] = report.DistinctKeys;
        SlowestBlock = Math.Max(SlowestBlock, report.ProcessingTime);
        return ++Reports == Sizes.Length;
    }

    /// <summary>
    /// The placement's metrics as the partitions measured them: size and cardinality imbalance from their reports,
    /// processing time from the slowest block (the rest of <paramref name="placed"/> is the placer's own count).
    /// </summary>
    public BatchMetrics Measured(BatchMetrics placed, CostModel cost)
    {
        int p = Sizes.Length, tuples = 0, maxSize = 0, pairs = 0, maxDistinct = 0;
        for (int b = 0; b < p; b++)
        {
            tuples += Sizes[b];
            maxSize = Math.Max(maxSize, Sizes[b]);
            pairs += Distinct[b];
            maxDistinct = Math.Max(maxDistinct, Distinct[b]);
        }
        return placed with
        {
            SizeImbalance = tuples == 0 ? 0 : (double)maxSize * p / tuples - 1,
            CardinalityImbalance = pairs == 0 ? 0 : (double)maxDistinct * p / pairs - 1,
            ProcessingTime = cost.BatchTime(SlowestBlock, placed.ExtraFragments, p),
        };
    }

    /// <summary>Tuples the partitions reported.</summary>
    public int Tuples
    {
        get
        {
            int sum = 0;
            foreach (int s in Sizes) sum += s;
            return sum;
        }
    }
}
