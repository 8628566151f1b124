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
        Times = new double[partitions];
        _reported = new bool[partitions];
    }

    private readonly bool[] _reported;
    // With worker nodes: the batch's keys ordered by block (block b's are _ordered[_starts[b] .. _starts[b + 1]]) and
    // the worker each block was last sent to, kept until every block has reported so that a lost worker's can go again.
    private int[] _ordered = [];
    private int[] _starts = [];
    private int[] _assigned = [];

    public int[] Sizes { get; }
    public int[] Distinct { get; }

    /// <summary>Each block's cost-model time, as reported.</summary>
    public double[] Times { get; }

    /// <summary>With worker nodes: the worker each block was last sent to (an index into the agent's workers).</summary>
    public ReadOnlySpan<int> WorkerOf => _assigned;
    public double SlowestBlock { get; private set; }
    public int Reports { get; private set; }
    public bool Complete => Reports == Sizes.Length;

    /// <summary>Reports of a block that had reported already (a block re-sent from a worker that was slow, not lost).</summary>
    public int DuplicatesDropped { get; private set; }

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
    /// Sends each live worker node the blocks it holds, one message per worker: block b of P goes to live worker
    /// ⌊b·L/P⌋ of the L live workers (contiguous ranges, as Flink's key groups map onto subtasks), so the placement is
    /// the same on every run.
    /// </summary>
    /// <param name="live">Indices into <paramref name="workers"/> of the workers taken to be alive, in order.</param>
    public static BlockFanOut SendToWorkers(long sequence, int[] keys, ReadOnlySpan<int> blocks, int partitions, IReadOnlyList<ActorSelection> workers, IReadOnlyList<int> live, IActorRef self)
    {
        var fanOut = new BlockFanOut(partitions) { _starts = new int[partitions + 1], _ordered = new int[keys.Length], _assigned = new int[partitions] };
        var starts = fanOut._starts;
        foreach (int b in blocks) starts[b + 1]++;
        for (int b = 0; b < partitions; b++) starts[b + 1] += starts[b];
        var cursor = (int[])starts.Clone();
        for (int i = 0; i < keys.Length; i++) fanOut._ordered[cursor[blocks[i]]++] = keys[i];
        for (int b = 0; b < partitions; b++) fanOut._assigned[b] = live[(int)((long)b * live.Count / partitions)];
        fanOut.SendBlocks(sequence, workers, b => true, self);
        return fanOut;
    }

    /// <summary>
    /// Sends the blocks that <paramref name="lost"/> held and has not reported to the live workers (block b to live worker
    /// ⌊b·L/P⌋); returns how many blocks went again.
    /// </summary>
    public int Resend(long sequence, int lost, IReadOnlyList<ActorSelection> workers, IReadOnlyList<int> live, IActorRef self)
    {
        int partitions = Sizes.Length, resent = 0;
        var moved = new bool[partitions];
        for (int b = 0; b < partitions; b++)
        {
            if (_reported[b] || _assigned.Length == 0 || _assigned[b] != lost) continue;
            _assigned[b] = live[(int)((long)b * live.Count / partitions)];
            moved[b] = true;
            resent++;
        }
        if (resent > 0) SendBlocks(sequence, workers, b => moved[b], self);
        return resent;
    }

    /// <summary>One message per worker with the blocks assigned to it that <paramref name="include"/> selects.</summary>
    private void SendBlocks(long sequence, IReadOnlyList<ActorSelection> workers, Func<int, bool> include, IActorRef self)
    {
        int partitions = Sizes.Length;
        var ids = new List<int>();
        for (int worker = 0; worker < workers.Count; worker++)
        {
            ids.Clear();
            int tuples = 0;
            for (int b = 0; b < partitions; b++)
                if (_assigned[b] == worker && include(b)) { ids.Add(b); tuples += _starts[b + 1] - _starts[b]; }
            if (ids.Count == 0) continue;
            var ends = new int[ids.Count];
            var keys = new int[tuples];
            int at = 0;
            for (int i = 0; i < ids.Count; i++)
            {
                int b = ids[i], length = _starts[b + 1] - _starts[b];
                Array.Copy(_ordered, _starts[b], keys, at, length);
                ends[i] = at += length;
            }
            workers[worker].Tell(new ProcessBlocks(sequence, ImmutableCollectionsMarshal.AsImmutableArray(ids.ToArray()), ImmutableCollectionsMarshal.AsImmutableArray(ends),
                ImmutableCollectionsMarshal.AsImmutableArray(keys)), self);
        }
    }

    /// <summary>Takes a worker's reports; true once every block has reported.</summary>
    public bool Add(BlocksProcessed reports)
    {
        bool complete = false;
        for (int i = 0; i < reports.Blocks.Length; i++)
            complete |= Add(new BlockProcessed(reports.Sequence, reports.Blocks[i], reports.Tuples[i], reports.DistinctKeys[i], reports.ProcessingTimes[i]));
        return complete;
    }

    /// <summary>Takes a block's report; true once every block has reported.</summary>
    public bool Add(BlockProcessed report)
    {
        if (_reported[report.Block])
        {
            DuplicatesDropped++;
            return false;
        }
        _reported[report.Block] = true;
        Sizes[report.Block] = report.Tuples;
        Distinct[report.Block] = report.DistinctKeys;
        Times[report.Block] = report.ProcessingTime;
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
