using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Akka.Actor;
using PartLy.Core.Metrics;

namespace PartLy.Actors;

/// <summary>
/// A worker node's blocks: processes the blocks an agent sends it in one message per batch, as the partition actors
/// do one by one (tuples aggregated per key, the cost model's time), and reports them in one message. Under emulated
/// service time it first serves each block on its task slots for the block's time (a block waits for a free slot,
/// in the order they came), and reports once the message's last block is served.
/// </summary>
public sealed class WorkerActor : ReceiveActor
{
    public const string Name = "worker";

    private readonly Dictionary<int, int> _aggregates = [];
    private readonly ServiceTime? _service;
    private readonly Stack<IActorRef> _idle = new();
    private readonly Queue<(int Job, double Seconds)> _queue = new();
    private readonly Dictionary<int, (IActorRef ReplyTo, BlocksProcessed Report, int Left)> _jobs = [];
    private int _nextJob;

    public WorkerActor(CostModel cost, ServiceTime? service)
    {
        _service = service;
        Receive<ProcessBlocks>(message =>
        {
            var report = Process(message, cost);
            if (_service is null)
            {
                Sender.Tell(report);
                return;
            }
            int job = _nextJob++;
            _jobs[job] = (Sender, report, report.Blocks.Length);
            foreach (double time in report.ProcessingTimes) _queue.Enqueue((job, _service.WallSeconds(time)));
            Dispatch();
        });
        Receive<BlockServed>(served =>
        {
            _idle.Push(Sender);
            var (replyTo, report, left) = _jobs[served.Job];
            if (left == 1)
            {
                _jobs.Remove(served.Job);
                replyTo.Tell(report);
            }
            else _jobs[served.Job] = (replyTo, report, left - 1);
            Dispatch();
        });
    }

    public static Props Props(CostModel cost, ServiceTime? service = null) => Akka.Actor.Props.Create(() => new WorkerActor(cost, service));

    protected override void PreStart()
    {
        if (_service is null) return;
        for (int s = 0; s < _service.Slots; s++) _idle.Push(Context.ActorOf(ServiceSlot.Props(), $"slot-{s}"));
    }

    private void Dispatch()
    {
        while (_idle.Count > 0 && _queue.TryDequeue(out var block))
            _idle.Pop().Tell(new ServeBlock(block.Job, block.Seconds));
    }

    private BlocksProcessed Process(ProcessBlocks message, CostModel cost)
    {
        var keys = message.Keys.AsSpan();
        int n = message.Blocks.Length, start = 0;
        var tuples = new int[n];
        var distinct = new int[n];
        var times = new double[n];
        for (int i = 0; i < n; i++)
        {
            int end = message.Ends[i];
            _aggregates.Clear();
            foreach (int key in keys[start..end]) CollectionsMarshal.GetValueRefOrAddDefault(_aggregates, key, out _)++;
            (tuples[i], distinct[i]) = (end - start, _aggregates.Count);
            times[i] = cost.BlockTime(tuples[i], distinct[i]);
            start = end;
        }
        return new BlocksProcessed(message.Sequence, message.Blocks, ImmutableCollectionsMarshal.AsImmutableArray(tuples),
            ImmutableCollectionsMarshal.AsImmutableArray(distinct), ImmutableCollectionsMarshal.AsImmutableArray(times));
    }
}
