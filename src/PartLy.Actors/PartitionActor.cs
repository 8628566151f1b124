using Akka.Actor;
using PartLy.Core.Metrics;

namespace PartLy.Actors;

/// <summary>
/// One data block: aggregates its tuples per key, simulates the processing time with the cost model, and reports
/// size, distinct keys and time back to the sender.
/// </summary>
public sealed class PartitionActor : ReceiveActor
{
    private readonly Dictionary<int, int> _aggregates = [];

    public PartitionActor(CostModel cost)
    {
        Receive<ProcessBlock>(block =>
        {
            _aggregates.Clear();
            foreach (int key in block.Keys.AsSpan())
                System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_aggregates, key, out _)++;
            int tuples = block.Keys.Length, distinct = _aggregates.Count;
            Sender.Tell(new BlockProcessed(block.Sequence, block.Block, tuples, distinct, cost.BlockTime(tuples, distinct)));
        });
    }

    public static Props Props(CostModel cost) => Akka.Actor.Props.Create(() => new PartitionActor(cost));
}
