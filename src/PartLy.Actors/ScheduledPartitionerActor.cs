using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Akka.Actor;
using PartLy.Core;
using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;
using PartLy.Core.Scheduling;

namespace PartLy.Actors;

/// <summary>
/// The partitioner agent of a scheduled run: for each batch it asks the rule's scheduler for the parallelism
/// (informed, with a sketch of the batch), places the batch with its partitioner (a strategy, or a trained policy's
/// partitioner), sends each partition actor its block (one message per block), and tells the scheduler the batch as
/// the blocks measured it; the scheduler answers with the batch's timing, which goes to the run in order.
/// </summary>
public sealed class ScheduledPartitionerActor : ReceiveActor
{
    private readonly ScheduleRunSpec _spec;
    private readonly IActorRef _source, _scheduler, _run;
    private readonly Partitioner _partitioner;
    private readonly BatchAnalyzer _analyzer;
    private readonly Queue<SourceBatch> _waiting = new();
    private readonly List<IActorRef> _partitions = [];
    private readonly List<BatchTiming> _timings = [];
    private (SourceBatch Batch, BatchMetrics Placed, BlockFanOut Blocks)? _inFlight;
    private StreamCompleted? _completed;
    private int[] _blocks = new int[1024];

    public ScheduledPartitionerActor(ScheduleRunSpec spec, IActorRef source, IActorRef scheduler, IActorRef run)
    {
        _spec = spec;
        (_source, _scheduler, _run) = (source, scheduler, run);
        _partitioner = spec.PolicyFile is null ? Strategies.Create(spec.Partitioner)
            : Learning.Scheduling.SchedulerCheckpoint.IsSchedulerPolicy(spec.PolicyFile) ? Learning.Scheduling.SchedulerCheckpoint.Load(spec.PolicyFile).CreatePartitioner()
            : Learning.Checkpoint.Load(spec.PolicyFile).CreatePartitioner();
        _analyzer = new BatchAnalyzer(spec.Scheduler.Cost);
        Receive<SourceBatch>(batch =>
        {
            _waiting.Enqueue(batch);
            _scheduler.Tell(new ProposeParallelism(batch.Sequence, batch.Partitions, spec.Informed ? BatchSketch.Of(batch.Keys.AsSpan()) : null));
        });
        Receive<ParallelismDecision>(Place);
        Receive<BlockProcessed>(Collect);
        Receive<BatchScheduled>(scheduled =>
        {
            _timings.Add(scheduled.Timing);
            FinishIfDone();
        });
        Receive<StreamCompleted>(done =>
        {
            _completed = done;
            FinishIfDone();
        });
        Receive<StreamFailed>(failed => _run.Tell(new ScheduleFailed(failed.Reason)));
    }

    public static Props Props(ScheduleRunSpec spec, IActorRef source, IActorRef scheduler, IActorRef run) =>
        Akka.Actor.Props.Create(() => new ScheduledPartitionerActor(spec, source, scheduler, run));

    protected override void PreStart() => _source.Tell(new RequestBatches(_spec.Window));

    private void Place(ParallelismDecision decision)
    {
        var batch = _waiting.Dequeue();
        if (batch.Sequence != decision.Sequence || _inFlight is not null)
            throw new InvalidOperationException($"decision for batch {decision.Sequence} while batch {batch.Sequence} is next");
        var keys = ImmutableCollectionsMarshal.AsArray(batch.Keys)!;
        int partitions = decision.Partitions;
        var metrics = SchedulingRun.Place(_partitioner, _analyzer, batch.Index, keys, batch.ExpectedTuples, partitions, _spec.Informed, ref _blocks);
        var placed = _blocks.AsSpan(0, keys.Length);
        var cost = _spec.Scheduler.Cost;
        var blocks = BlockFanOut.Send(batch.Sequence, keys, placed, partitions, _partitions, b => Context.ActorOf(PartitionActor.Props(cost), $"partition-{b}"));
        _inFlight = (batch, metrics, blocks);
        _source.Tell(new RequestBatches(1));
    }

    private void Collect(BlockProcessed report)
    {
        if (_inFlight is not { } flight || flight.Batch.Sequence != report.Sequence || !flight.Blocks.Add(report)) return;
        _inFlight = null;
        if (flight.Blocks.Tuples != flight.Batch.Keys.Length)
            throw new InvalidOperationException($"batch {flight.Batch.Sequence}: the partitions reported {flight.Blocks.Tuples} tuples, the batch has {flight.Batch.Keys.Length}");
        _scheduler.Tell(new BatchMeasured(flight.Batch.Sequence, flight.Batch.IntervalEnd, flight.Blocks.Measured(flight.Placed, _spec.Scheduler.Cost)));
    }

    private void FinishIfDone()
    {
        if (_completed is null || _waiting.Count > 0 || _inFlight is not null || _timings.Count < _completed.Batches) return;
        _run.Tell(new ScheduleCompleted(_timings.ToArray()));
        _completed = null;
    }
}
