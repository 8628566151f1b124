namespace PartLy.Actors;

/// <summary>
/// The lanes of a phase seen as one stream: their completed batches in sequence order (each lane reports its own in
/// order, the lanes interleave as they run), and the phase complete once every lane is. With one lane every batch
/// passes straight through. A lane started again elsewhere may report a batch a second time: the first report stands.
/// </summary>
public sealed class LaneMerge
{
    private readonly SortedDictionary<long, BatchCompleted> _early = [];
    private readonly long[] _laneNext;
    private readonly bool[] _laneDone;
    private long _next;
    private int _completed;
    private double _placingSeconds;
    private DeliveryCounters? _delivery;
    private long _heardAt = System.Diagnostics.Stopwatch.GetTimestamp();

    public LaneMerge(int lanes)
    {
        _laneNext = new long[lanes];
        for (int lane = 0; lane < lanes; lane++) _laneNext[lane] = lane;
        _laneDone = new bool[lanes];
    }

    public int Lanes => _laneNext.Length;

    /// <summary>Seconds since a lane last reported a batch or its completion (or since the phase started).</summary>
    public double SilentSeconds => System.Diagnostics.Stopwatch.GetElapsedTime(_heardAt).TotalSeconds;

    /// <summary>The lane of the next batch in sequence: the one the merged stream waits for.</summary>
    public int AwaitedLane => (int)(_next % Lanes);

    /// <summary>Every lane has completed.</summary>
    public bool Finished => _completed == Lanes;

    /// <summary>
    /// Where a lane must start again on another node: its first batch not reported, or <paramref name="learntBefore"/>
    /// if that is earlier (batches whose episodes the learner may not have); null when the lane has completed.
    /// </summary>
    public long? RestartAt(int lane, long learntBefore) => _laneDone[lane] ? null : Math.Min(_laneNext[lane], learntBefore);

    /// <summary>The batches that are next in sequence now that <paramref name="batch"/> is done (none while an earlier one is not).</summary>
    public List<BatchCompleted> Add(BatchCompleted batch)
    {
        _heardAt = System.Diagnostics.Stopwatch.GetTimestamp();
        var ready = new List<BatchCompleted>(1);
        int lane = (int)(batch.Sequence % Lanes);
        _laneNext[lane] = Math.Max(_laneNext[lane], batch.Sequence + Lanes);
        if (batch.Sequence < _next) return ready;
        if (batch.Sequence > _next)
        {
            _early.TryAdd(batch.Sequence, batch);
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

    /// <summary>The phase's completion once every lane's has come (the batches merged, placing time summed), else null.</summary>
    public PhaseCompleted? Complete(PhaseCompleted lane)
    {
        _heardAt = System.Diagnostics.Stopwatch.GetTimestamp();
        if (_laneDone[lane.Lane]) return null;
        _laneDone[lane.Lane] = true;
        _completed++;
        _placingSeconds += lane.PlacingSeconds;
        if (lane.Delivery is not null) _delivery = (_delivery ?? DeliveryCounters.None).Plus(lane.Delivery);
        return _completed < Lanes ? null : new PhaseCompleted(lane.Phase, _next, _placingSeconds, _delivery);
    }
}
