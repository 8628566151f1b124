namespace PartLy.Core.Scheduling;

/// <summary>One batch's passage through the queue, in microseconds (the cost model's unit).</summary>
/// <param name="Ready">When the batch is cut: the end of its interval.</param>
/// <param name="Start">When it starts: when it is ready and the previous batch has finished.</param>
/// <param name="Delay">Scheduling delay, start − ready: the backlog it found.</param>
/// <param name="Latency">End-to-end latency, delay + processing time; the batch is late when it exceeds the interval.</param>
/// <param name="Rescaled">P differs from the previous batch's; <paramref name="Migrated"/> is then the share of the batch's tuples on a block that did not hold their key last batch (their state moved), and <paramref name="MigrationFloor"/> |ΔP| / max(P, P′).</param>
public readonly record struct BatchTiming(long Index, int Partitions, double Ready, double Start, double ProcessingTime, double Delay, double Latency, bool Late, bool OverInterval,
    bool Rescaled = false, double Migrated = 0, double MigrationFloor = 0, int Tuples = 0)
{
    public double End => Start + ProcessingTime;
}

/// <summary>
/// Micro-batches one at a time, as Spark Streaming runs them: a batch is ready when its interval ends and starts
/// when it is ready and the previous batch has finished. A backlog grows while batches take longer than the interval
/// and drains only when they take less.
/// </summary>
public sealed class BatchQueue
{
    private double _end;
    private long _index;
    private double _nextReady;

    public BatchQueue(double intervalMicroseconds)
    {
        if (!(intervalMicroseconds > 0)) throw new ArgumentOutOfRangeException(nameof(intervalMicroseconds), $"the interval must be positive, got {intervalMicroseconds}");
        Interval = intervalMicroseconds;
    }

    public double Interval { get; }

    /// <summary>Work still queued an interval after the last batch was ready (the next batch's delay if it comes then).</summary>
    public double Backlog => Math.Max(0, _end - _nextReady);

    /// <summary>Runs the next batch, ready at <paramref name="ready"/>, which takes <paramref name="processingTime"/> on <paramref name="partitions"/> blocks.</summary>
    public BatchTiming Run(double ready, double processingTime, int partitions)
    {
        if (ready < _nextReady - Interval) throw new ArgumentOutOfRangeException(nameof(ready), $"batch {_index} is ready at {ready}, before the previous one ({_nextReady - Interval})");
        _nextReady = ready + Interval;
        double start = Math.Max(ready, _end);
        _end = start + processingTime;
        double latency = _end - ready;
        return new BatchTiming(_index++, partitions, ready, start, processingTime, start - ready, latency, latency > Interval, processingTime > Interval);
    }
}
