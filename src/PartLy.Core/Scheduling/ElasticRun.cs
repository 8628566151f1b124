using PartLy.Core.Metrics;

namespace PartLy.Core.Scheduling;

/// <summary>
/// One scheduler's run, a batch at a time, wherever the batches are placed (a loop or actors): <see cref="Decide"/>
/// gives the batch's parallelism before it is placed, <see cref="Complete"/> takes its measurement and runs it through
/// the queue. A rescale moves the state of the keys whose block changes: each of the batch's tuples on a block that
/// did not hold its key last batch costs <c>migrationCost</c> µs. With a provisioning lag, more blocks arrive
/// <c>lag</c> batches after they are asked for (fewer take effect at once).
/// </summary>
public sealed class ElasticRun
{
    private readonly IScheduler _scheduler;
    private readonly BatchQueue _queue;
    private readonly int _minPartitions, _maxPartitions, _lag;
    private readonly double _migrationCost;
    private readonly Queue<(long Due, int Partitions)> _pending = new();
    private BatchTiming? _last;
    private BatchSketch? _lastSketch, _nextSketch;
    private int _previous;
    private long _index = -1;
    private bool _decided;

    public ElasticRun(IScheduler scheduler, double interval, int startPartitions, int maxPartitions, int minPartitions = 1, double migrationCost = 0, int lag = 0)
    {
        if (migrationCost < 0) throw new InputException($"the migration cost must be 0 or more, got {migrationCost}");
        if (lag < 0) throw new InputException($"the provisioning lag must be 0 or more batches, got {lag}");
        if (minPartitions < 1) throw new InputException($"the smallest parallelism must be at least 1, got {minPartitions}");
        if (startPartitions < minPartitions || startPartitions > maxPartitions)
            throw new InputException($"the starting parallelism {startPartitions} must be within [{minPartitions}, {maxPartitions}]");
        _scheduler = scheduler;
        _queue = new BatchQueue(interval);
        (_minPartitions, _maxPartitions, _migrationCost, _lag) = (minPartitions, maxPartitions, migrationCost, lag);
        Partitions = _previous = startPartitions;
    }

    /// <summary>The parallelism in effect: the last batch's, or the starting one.</summary>
    public int Partitions { get; private set; }

    /// <summary>The parallelism of batch <paramref name="index"/>, as the scheduler chooses it; <paramref name="coming"/> is its sketch in informed mode.</summary>
    public int Decide(long index, BatchSketch? coming = null) => Apply(_scheduler.Choose(Context(index, coming)));

    /// <summary>What the scheduler is told before batch <paramref name="index"/> (an agent that chooses outside the loop reads this, then calls <see cref="Apply"/>).</summary>
    public SchedulerContext Context(long index, BatchSketch? coming = null)
    {
        if (_decided) throw new InvalidOperationException($"batch {_index} was decided and not completed");
        _index = index;
        _lastSketch = _nextSketch;
        _nextSketch = coming;
        return new SchedulerContext(index, Partitions, _minPartitions, _maxPartitions, _queue.Interval, _last, _queue.Backlog, coming, _lastSketch);
    }

    /// <summary>Takes the parallelism chosen for the batch of the last <see cref="Context"/>; returns the one in effect (after the lag).</summary>
    public int Apply(int chosen)
    {
        if (_decided) throw new InvalidOperationException($"batch {_index} was decided and not completed");
        if (chosen < _minPartitions || chosen > _maxPartitions)
            throw new InvalidOperationException($"scheduler {_scheduler.Name} chose {chosen} blocks, outside [{_minPartitions}, {_maxPartitions}]");
        _previous = Partitions;
        if (chosen > Partitions && _lag > 0)
        {
            if (_pending.Count == 0 || _pending.Last().Partitions != chosen) _pending.Enqueue((_index + _lag, chosen));
        }
        else
        {
            Partitions = chosen;
            if (chosen < _previous) _pending.Clear();
        }
        while (_pending.Count > 0 && _pending.Peek().Due <= _index) Partitions = _pending.Dequeue().Partitions;
        _decided = true;
        return Partitions;
    }

    /// <summary>The decided batch, ready at <paramref name="ready"/> (µs), measured on its blocks: its passage through the queue.</summary>
    public BatchTiming Complete(double ready, BatchMetrics metrics)
    {
        if (!_decided) throw new InvalidOperationException("a batch completes only after it is decided");
        _decided = false;
        bool rescaled = _index > 0 && Partitions != _previous;
        double time = metrics.ProcessingTime + (rescaled ? _migrationCost * metrics.Migration : 0);
        var timing = _queue.Run(ready, time, Partitions) with
        {
            Rescaled = rescaled,
            Tuples = metrics.Tuples,
            Migrated = rescaled ? metrics.MigrationFraction : 0,
            MigrationFloor = rescaled ? (double)Math.Abs(Partitions - _previous) / Math.Max(Partitions, _previous) : 0,
        };
        _last = timing;
        return timing;
    }
}
