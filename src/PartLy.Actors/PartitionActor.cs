using Akka.Actor;
using Akka.Event;
using PartLy.Core.Metrics;

namespace PartLy.Actors;

/// <summary>
/// One data block: aggregates its tuples per key, simulates the processing time with the cost model, and reports
/// size, distinct keys and time back to the sender. If processing throws, the supervisor restarts the actor and the
/// block is processed again (it is re-sent to itself before the restart), so no tuple is lost or counted twice.
/// </summary>
public sealed class PartitionActor : ReceiveActor
{
    private readonly CostModel _cost;
    private readonly Func<ProcessBlock, bool>? _fault;
    private readonly Dictionary<int, int> _aggregates = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public PartitionActor(CostModel cost, Func<ProcessBlock, bool>? fault)
    {
        _cost = cost;
        _fault = fault;
        Receive<ProcessBlock>(Process);
    }

    /// <param name="fault">Test hook: processing throws whenever it returns true.</param>
    public static Props Props(CostModel cost, Func<ProcessBlock, bool>? fault = null) =>
        Akka.Actor.Props.Create(() => new PartitionActor(cost, fault));

    private void Process(ProcessBlock block)
    {
        _aggregates.Clear();
        foreach (int key in block.Keys.AsSpan())
            System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_aggregates, key, out _)++;
        if (_fault?.Invoke(block) == true) throw new BlockProcessingException($"injected failure on block {block.Block} of batch {block.Sequence}");
        int tuples = block.Keys.Length, distinct = _aggregates.Count;
        Sender.Tell(new BlockProcessed(block.Sequence, block.Block, tuples, distinct, _cost.BlockTime(tuples, distinct)));
    }

    protected override void PreRestart(Exception reason, object message)
    {
        if (message is ProcessBlock block)
        {
            _log.Warning("Block {Block} of batch {Sequence} failed ({Reason}); processing it again", block.Block, block.Sequence, reason.Message);
            Self.Tell(block, Sender);
        }
        base.PreRestart(reason, message);
    }
}

public sealed class BlockProcessingException(string message) : Exception(message);
