namespace PartLy.Actors;

/// <summary>
/// The lanes of a phase seen as one stream: their completed batches in sequence order (each lane reports its own in
/// order, the lanes interleave as they run), and the phase complete once every lane is, with their counts summed.
/// With one lane every batch passes straight through.
/// </summary>
public sealed class LaneMerge(int lanes)
{
    private readonly SortedDictionary<long, BatchCompleted> _early = [];
    private long _next;
    private int _completed;
    private long _batches;
    private double _placingSeconds;
    private DeliveryCounters? _delivery;
    private long _heardAt = System.Diagnostics.Stopwatch.GetTimestamp();

    public int Lanes => lanes;

    /// <summary>Seconds since a lane last reported a batch or its completion (or since the phase started).</summary>
    public double SilentSeconds => System.Diagnostics.Stopwatch.GetElapsedTime(_heardAt).TotalSeconds;

    /// <summary>The lane of the next batch in sequence: the one the merged stream waits for.</summary>
    public int AwaitedLane => (int)(_next % lanes);

    /// <summary>Every lane has completed.</summary>
    public bool Finished => _completed == lanes;

    /// <summary>The batches that are next in sequence now that <paramref name="batch"/> is done (none while an earlier one is not).</summary>
    public List<BatchCompleted> Add(BatchCompleted batch)
    {
        _heardAt = System.Diagnostics.Stopwatch.GetTimestamp();
        var ready = new List<BatchCompleted>(1);
        if (batch.Sequence != _next)
        {
            _early[batch.Sequence] = batch;
            return ready;
        }
        ready.Add(batch);
        _next++;
        while (_early.Remove(_next, out var waiting))
        {
            ready.Add(waiting);
            _next++;
        }
        return ready;
    }

    /// <summary>The phase's completion once every lane's has come (batches and placing time summed), else null.</summary>
    public PhaseCompleted? Complete(PhaseCompleted lane)
    {
        _heardAt = System.Diagnostics.Stopwatch.GetTimestamp();
        _completed++;
        _batches += lane.Batches;
        _placingSeconds += lane.PlacingSeconds;
        if (lane.Delivery is not null) _delivery = (_delivery ?? DeliveryCounters.None).Plus(lane.Delivery);
        return _completed < lanes ? null : new PhaseCompleted(lane.Phase, _batches, _placingSeconds, _delivery);
    }
}
