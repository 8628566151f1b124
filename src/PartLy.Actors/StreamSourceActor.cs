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
/// as <see cref="StreamFailed"/> with the feed's message. A lane's source reads the whole feed and emits its lane's
/// batches only (sequence modulo the lanes), each marked as a new stream when its lane has not seen that stream start.
/// </summary>
public sealed class StreamSourceActor : ReceiveActor, IWithTimers
{
    private readonly FeedSpec _feedSpec;
    private readonly long _batches;
    private readonly double _tuplesPerSecond;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IBatchFeed? _feed;
    private IActorRef _consumer = ActorRefs.Nobody;
    private readonly int _lane, _lanes;
    private readonly long _startAt;
    private long _laneIndex;
    private long _credit;
    private long _sent;
    private long _emitted;
    private bool _streamStarted;
    private long _tuplesSent;
    private DateTime _started;
    private bool _done;

    public StreamSourceActor(FeedSpec feed, long batches, double tuplesPerSecond, int lane = 0, int lanes = 1, long startAt = 0)
    {
        if (lanes < 1 || lane < 0 || lane >= lanes) throw new ArgumentOutOfRangeException(nameof(lane), $"lane {lane} of {lanes}");
        ArgumentOutOfRangeException.ThrowIfNegative(startAt);
        (_lane, _lanes, _startAt) = (lane, lanes, startAt);
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
    /// <param name="lane">The lane whose batches this source emits, of <paramref name="lanes"/>.</param>
    /// <param name="startAt">Emit the lane's batches from this sequence on (the ones before are read and skipped).</param>
    public static Props Props(FeedSpec feed, long batches, double tuplesPerSecond = 0, int lane = 0, int lanes = 1, long startAt = 0) =>
        Akka.Actor.Props.Create(() => new StreamSourceActor(feed, batches, tuplesPerSecond, lane, lanes, startAt));

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
                _consumer.Tell(new StreamCompleted(_emitted));
                _done = true;
                return;
            }
            var batch = item.Batch;
            _streamStarted |= item.NewStream;
            _tuplesSent += batch.Count; // paced by the whole stream's arrivals, the other lanes' batches too
            if (_sent++ % _lanes != _lane || _sent - 1 < _startAt) continue;
            // A lane numbers its batches within the lane (0 at the first it sees of each stream): its partitioner's
            // memory of the keys ages by the batches it has seen, not by the other lanes' batches in between.
            _laneIndex = _lanes == 1 ? batch.Index : _streamStarted ? 0 : _laneIndex + 1;
            _consumer.Tell(new SourceBatch(_sent - 1, _laneIndex, ImmutableCollectionsMarshal.AsImmutableArray(batch.Keys),
                batch.ExpectedTuples, item.Partitions, _streamStarted, item.Stream, batch.IntervalEnd));
            _streamStarted = false;
            _emitted++;
            _credit--;
        }
        if (_sent == _batches)
        {
            _consumer.Tell(new StreamCompleted(_emitted));
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
