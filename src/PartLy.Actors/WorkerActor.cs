using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Akka.Actor;
using PartLy.Core.Metrics;

namespace PartLy.Actors;

/// <summary>
/// A worker node's blocks: processes the blocks an agent sends it in one message per batch, as the partition actors
/// do one by one (tuples aggregated per key, the cost model's time), and reports them in one message.
/// </summary>
public sealed class WorkerActor : ReceiveActor
{
    public const string Name = "worker";

    private readonly Dictionary<int, int> _aggregates = [];

    public WorkerActor(CostModel cost)
    {
        Receive<ProcessBlocks>(message =>
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
            Sender.Tell(new BlocksProcessed(message.Sequence, message.Blocks, ImmutableCollectionsMarshal.AsImmutableArray(tuples),
                ImmutableCollectionsMarshal.AsImmutableArray(distinct), ImmutableCollectionsMarshal.AsImmutableArray(times)));
        });
    }

    public static Props Props(CostModel cost) => Akka.Actor.Props.Create(() => new WorkerActor(cost));
}
