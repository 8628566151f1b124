using PartLy.Core;
using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Event;
using PartLy.Core.Streams;
using PartLy.Learning.Rl;

namespace PartLy.Actors;

/// <summary>
/// Emits the micro-batches of a feed to whoever asks, never more than it was asked for (credit-based flow control:
/// no unbounded run-ahead, no mailbox growth), as fast as possible or paced at a tuple rate. After
/// <c>batches</c> batches, or when the feed ends, it reports <see cref="StreamCompleted"/>; a feed that fails (a malformed trace) is reported
/// as <see cref="StreamFailed"/> with the feed's message.
/// </summary>
public sealed class StreamSourceActor : ReceiveActor, IWithTimers
{
    private readonly FeedSpec _feedSpec;
    private readonly long _batches;
    private readonly double _tuplesPerSecond;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IBatchFeed? _feed;
    private IActorRef _consumer = ActorRefs.Nobody;
    private long _credit;
    private long _sent;
    private long _tuplesSent;
    private DateTime _started;
    private bool _done;

    public StreamSourceActor(FeedSpec feed, long batches, double tuplesPerSecond)
    {
        _feedSpec = feed;
        _batches = batches;
        _tuplesPerSecond = tuplesPerSecond;
        Receive<RequestBatches>(request =>
        {
            _consumer = Sender;
            _credit += request.Count;
            SendAvailable();
        });
        Receive<PaceDue>(_ => SendAvailable());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="tuplesPerSecond">0 for as fast as the consumer asks.</param>
    public static Props Props(FeedSpec feed, long batches, double tuplesPerSecond = 0) =>
        Akka.Actor.Props.Create(() => new StreamSourceActor(feed, batches, tuplesPerSecond));

    private void SendAvailable()
    {
        if (_done) return;
        while (_credit > 0 && _sent < _batches)
        {
            if (_tuplesPerSecond > 0)
            {
                if (_sent == 0) _started = DateTime.UtcNow;
                var due = _started + TimeSpan.FromSeconds(_tuplesSent / _tuplesPerSecond);
                var wait = due - DateTime.UtcNow;
                if (wait > TimeSpan.Zero)
                {
                    if (!Timers.IsTimerActive("pace")) Timers.StartSingleTimer("pace", PaceDue.Instance, wait);
                    return;
                }
            }
            FeedItem? item;
            try
            {
                _feed ??= _feedSpec.Open();
                item = _feed.Next();
            }
            catch (InputException e)
            {
                _log.Error("Stream failed: {Reason}", e.Message);
                _consumer.Tell(new StreamFailed(e.Message));
                _done = true;
                return;
            }
            if (item is null)
            {
                _consumer.Tell(new StreamCompleted(_sent));
                _done = true;
                return;
            }
            var batch = item.Batch;
            _consumer.Tell(new SourceBatch(_sent, batch.Index, ImmutableCollectionsMarshal.AsImmutableArray(batch.Keys),
                batch.ExpectedTuples, item.Partitions, item.NewStream, item.Stream, batch.IntervalEnd));
            _sent++;
            _credit--;
            _tuplesSent += batch.Count;
        }
        if (_sent == _batches)
        {
            _consumer.Tell(new StreamCompleted(_sent));
            _done = true;
        }
    }

    protected override void PostStop() => _feed?.Dispose();
}

/// <summary>The source's own timer: the next batch is due (internal, never leaves the source).</summary>
internal sealed record PaceDue : Akka.Event.IDeadLetterSuppression, INoSerializationVerificationNeeded
{
    public static PaceDue Instance { get; } = new();
}
