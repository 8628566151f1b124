using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;
using PartLy.Core.Scheduling;
using PartLy.Core.Streams;
using PartLy.Learning.Rl;

namespace PartLy.Learning.Scheduling;

/// <summary>What a step of the scheduling environment returns (Gymnasium's step).</summary>
/// <param name="Timing">The batch just run through the queue.</param>
public sealed record SchedulingStep(Observation Observation, double Reward, bool Terminated, bool Truncated, BatchTiming Timing);

/// <summary>
/// The scheduler agent's environment, in Gymnasium's shape: an episode is a time-batched stream (a
/// <see cref="SchedulingWorkload"/> drawn from the reset's seed); before each batch the agent picks a candidate
/// parallelism, the partitioner places the batch into that many blocks, the queue runs it, and the reward is the
/// negative team cost of the batch (late, overrun, resources, rescale). The episode terminates with the stream and is
/// truncated after <c>maxSteps</c> batches.
/// </summary>
public sealed class SchedulingEnv(SchedulingEnvOptions options) : IDisposable
{
    private readonly Observation _observation = new(SchedulerObservation.MaxCandidates, SchedulerObservation.Features);
    private SchedulerObservation? _features;
    private ElasticRun? _run;
    private ITupleSource? _source;
    private MicroBatcher? _batcher;
    private MicroBatch? _batch;
    private Partitioner? _partitioner;
    private BatchAnalyzer? _analyzer;
    private int[] _blocks = new int[1024];
    private int _steps;

    public static CandidateSpace ActionSpace => SchedulerObservation.Space;
    public static BoxSpace ObservationSpace { get; } = new(SchedulerObservation.MaxCandidates, SchedulerObservation.Features);
    public static BoxSpace StateSpace { get; } = new(SchedulerObservation.StateFeatures);

    /// <summary>The workload of the current episode.</summary>
    public SchedulingWorkload? Workload { get; private set; }

    public Observation Reset(ulong seed)
    {
        Workload = SchedulingWorkload.Draw(seed, options);
        _source?.Dispose();
        var stream = Workload.Stream();
        _source = stream.Open();
        _batcher = new MicroBatcher(_source, Workload.Interval);
        _partitioner = options.CreatePartitioner();
        _analyzer = new BatchAnalyzer(options.Cost);
        _features = new SchedulerObservation(options.Cost, options.StartPartitions);
        _run = new ElasticRun(new ChosenOutside(), Workload.Interval.Microseconds, options.StartPartitions, options.MaxPartitions, 1, Workload.MigrationCost, options.Lag);
        _steps = 0;
        if (!_batcher.TryNext(out var first)) throw new InvalidOperationException($"{Workload.Spec}: the stream produced no batch");
        _batch = first;
        Observe();
        return _observation;
    }

    /// <summary>The critic's view of the batch about to be sized.</summary>
    public void State(Span<float> state) => _features!.FillState(state);

    public SchedulingStep Step(int action)
    {
        if (_batch is not { } batch || _run is null) throw new InvalidOperationException("reset the environment first");
        if (!ActionSpace.Contains(action, _observation)) throw new ArgumentOutOfRangeException(nameof(action), $"action {action} is masked ({_observation.Count} candidates)");
        int partitions = _run.Apply(_features!.Partitions(_observation)[action]);
        var timing = _run.Complete(batch.IntervalEnd,
            SchedulingRun.Place(_partitioner!, _analyzer!, batch.Index, batch.Keys, batch.ExpectedTuples, partitions, options.Informed, ref _blocks));
        double reward = -options.Team.Of(timing, Workload!.Interval.Microseconds, options.StartPartitions);
        _steps++;
        bool terminated = !_batcher!.TryNext(out var next);
        _batch = terminated ? null : next;
        bool truncated = !terminated && _steps >= options.MaxSteps;
        if (!terminated) Observe();
        return new SchedulingStep(_observation, reward, terminated, truncated, timing);
    }

    private void Observe() => _features!.Observe(_run!.Context(_batch!.Index, options.Informed ? BatchSketch.Of(_batch.Keys) : null), _observation);

    public void Dispose() => _source?.Dispose();

    /// <summary>The environment's agent chooses outside the run: ElasticRun.Apply takes its choice.</summary>
    private sealed class ChosenOutside : IScheduler
    {
        public string Name => "agent";
        public int Choose(SchedulerContext context) => throw new InvalidOperationException("the agent's choice is applied directly");
    }
}
