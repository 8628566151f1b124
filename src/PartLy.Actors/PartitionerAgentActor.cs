using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Event;
using PartLy.Core.Metrics;
using PartLy.Core.Streams;
using PartLy.Learning.Rl;
using PartLy.Learning.Scenarios;
using PartLy.Learning.Training;

namespace PartLy.Actors;

/// <summary>What an agent does in a phase.</summary>
/// <param name="Phase">Name of the phase, for reports ("train", "test").</param>
/// <param name="Training">Sample actions and send experience to the learner (else act greedily).</param>
/// <param name="Options">The training session (scenario, mode, weights, learner, seed).</param>
/// <param name="Batches">Batches of the phase.</param>
/// <param name="Window">Batches the source may send ahead (flow control).</param>
public sealed record AgentSettings(string Phase, bool Training, TrainingOptions Options, long Batches, int Window = 2);

/// <summary>
/// The partitioner agent: for each batch it asks the scheduler for the parallelism, places the tuples with its
/// local copy of the policy (the same episode code as the direct training loop), sends each partition actor its
/// block (one message per block), and computes the reward from the sizes and distinct keys the partitions report.
/// Training, it sends each episode to the learner in batch order and, after a batch that closes an update window,
/// waits for the new weights before placing the next, so that a seed gives the same numbers as the direct loop.
/// </summary>
public sealed class PartitionerAgentActor : ReceiveActor
{
    private readonly AgentSettings _settings;
    private readonly CandidatePolicy _policy;
    private readonly IActorRef _source, _scheduler, _learner, _experiment;
    private readonly Func<ProcessBlock, bool>? _fault;
    private readonly PushFeed _feed = new();
    private readonly PartitionEnv _env;
    private readonly SplitMix64 _random;
    private readonly RolloutBuffer? _buffer;
    private readonly List<IActorRef> _partitions = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<long, InFlight> _inFlight = [];
    private readonly Queue<SourceBatch> _waiting = new();
    private readonly Dictionary<long, int> _decisions = [];
    private StreamCompleted? _completed;
    private long _nextToReport;
    private int _version, _awaitedVersion;
    private long _placingTicks;

    public PartitionerAgentActor(AgentSettings settings, CandidatePolicy policy, int policyVersion, IActorRef source, IActorRef scheduler,
        IActorRef learner, IActorRef experiment, Func<ProcessBlock, bool>? fault)
    {
        _version = policyVersion;
        _settings = settings;
        _policy = policy;
        _source = source;
        _scheduler = scheduler;
        _learner = learner;
        _experiment = experiment;
        _fault = fault;
        var scenario = ScenarioRegistry.Create(settings.Options.Scenario);
        _env = new PartitionEnv(scenario, _feed, settings.Options.ScenarioOptions,
            scoreReference: settings.Training, observeGlobals: settings.Training);
        _random = new SplitMix64(Trainer.ActionSeed(settings.Options.Seed));
        if (settings.Training) _buffer = Trainer.NewBuffer(scenario);
        Receive<SourceBatch>(batch =>
        {
            _waiting.Enqueue(batch);
            _scheduler.Tell(new ProposeParallelism(batch.Sequence, batch.Partitions));
        });
        Receive<ParallelismDecision>(decision =>
        {
            _decisions[decision.Sequence] = decision.Partitions;
            PlaceReady();
        });
        Receive<BlockProcessed>(Collect);
        Receive<StreamCompleted>(done =>
        {
            _completed = done;
            FinishIfDone();
        });
        Receive<StreamFailed>(failed => _experiment.Tell(new PhaseFailed(_settings.Phase, failed.Reason)));
        Receive<PolicyWeights>(weights =>
        {
            Adopt(weights);
            PlaceReady();
        });
        Receive<LearnerFailed>(failed => _experiment.Tell(new PhaseFailed(_settings.Phase, $"training diverged: {failed.Reason}")));
    }

    /// <param name="policy">The agent's own copy of the weights, at version <paramref name="policyVersion"/>.</param>
    /// <param name="learner">The learner to send experience to and take weights from (Nobody when not training).</param>
    /// <param name="fault">Test hook passed to the partition actors.</param>
    public static Props Props(AgentSettings settings, CandidatePolicy policy, int policyVersion, IActorRef source, IActorRef scheduler,
        IActorRef learner, IActorRef experiment, Func<ProcessBlock, bool>? fault = null) =>
        Akka.Actor.Props.Create(() => new PartitionerAgentActor(settings, policy, policyVersion, source, scheduler, learner, experiment, fault));

    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(10, TimeSpan.FromMinutes(1), _ => Directive.Restart);

    protected override void PreStart()
    {
        if (_settings.Training) _learner.Tell(SubscribeWeights.Instance);
        _source.Tell(new RequestBatches(_settings.Window));
    }

    protected override void PostStop() => _env.Dispose();

    /// <summary>
    /// Places the queued batches in order, each once the scheduler has answered for it (it is asked as soon as the
    /// batch arrives, so its answer is usually there), and never past a batch that closed an update window until the
    /// learner's new weights have arrived.
    /// </summary>
    private void PlaceReady()
    {
        while (_version >= _awaitedVersion && _waiting.TryPeek(out var next) && _decisions.Remove(next.Sequence, out int partitions))
        {
            _waiting.Dequeue();
            Place(next, partitions);
            _source.Tell(new RequestBatches(1));
        }
    }

    private void Adopt(PolicyWeights weights)
    {
        if (weights.Version <= _version) return;
        weights.Scorer.AsSpan().CopyTo(_policy.Scorer.Parameters);
        weights.Value.AsSpan().CopyTo(_policy.Value.Parameters);
        _version = weights.Version;
    }

    /// <summary>A batch whose blocks are out at the partition actors.</summary>
    private sealed class InFlight(SourceBatch batch, int partitions, BatchMetrics metrics, int decisions, RolloutBuffer? steps, bool closesWindow, double referenceReward)
    {
        public double ReferenceReward { get; } = referenceReward;
        public SourceBatch Batch { get; } = batch;
        public int[] Sizes { get; } = new int[partitions];
        public int[] Distinct { get; } = new int[partitions];
        public double SlowestBlock { get; set; }
        public int Reports { get; set; }
        public BatchMetrics Metrics { get; } = metrics;
        public int Decisions { get; } = decisions;
        public (float[], int[], int[], float[], float[], float[])? Steps { get; } = steps?.Export();
        public bool ClosesWindow { get; } = closesWindow;
    }

    /// <summary>
    /// Places the batch and sends out its blocks. The next batch may be placed before these blocks are reported
    /// (placement does not depend on rewards), except after a batch that closes an update window: then the agent
    /// waits for the new weights, as the direct loop does.
    /// </summary>
    private void Place(SourceBatch batch, int partitions)
    {
        var keys = ImmutableCollectionsMarshal.AsArray(batch.Keys)!;
        _feed.Push(new FeedItem(new MicroBatch(batch.Index, keys, batch.ExpectedTuples), partitions, batch.NewStream, batch.Stream));
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        var (decisions, _) = EpisodeRunner.Play(_env, _policy, _random, _buffer, greedy: !_settings.Training);
        _placingTicks += System.Diagnostics.Stopwatch.GetTimestamp() - started;
        bool closes = _settings.Training && Trainer.ClosesUpdateWindow(batch.Sequence, _settings.Batches, _settings.Options.Learner.EpisodesPerUpdate);
        var flight = new InFlight(batch, partitions, _env.World.LastMetrics, decisions, _buffer, closes, _env.ReferenceReward);
        _buffer?.Clear();
        _inFlight[batch.Sequence] = flight;

        var blocks = _env.World.Blocks.AsSpan(0, keys.Length);
        var sizes = new int[partitions];
        foreach (int b in blocks) sizes[b]++;
        var perBlock = new int[partitions][];
        for (int b = 0; b < partitions; b++) perBlock[b] = new int[sizes[b]];
        Array.Clear(sizes);
        for (int i = 0; i < keys.Length; i++) perBlock[blocks[i]][sizes[blocks[i]]++] = keys[i];
        while (_partitions.Count < partitions)
            _partitions.Add(Context.ActorOf(PartitionActor.Props(_settings.Options.Cost ?? CostModel.Default, _fault), $"partition-{_partitions.Count}"));
        for (int b = 0; b < partitions; b++)
            _partitions[b].Tell(new ProcessBlock(batch.Sequence, b, ImmutableCollectionsMarshal.AsImmutableArray(perBlock[b])));
        if (closes) _awaitedVersion = _version + 1;
    }

    private void Collect(BlockProcessed report)
    {
        if (!_inFlight.TryGetValue(report.Sequence, out var flight)) return;
        flight.Sizes[report.Block] = report.Tuples;
        flight.Distinct[report.Block] = report.DistinctKeys;
        flight.SlowestBlock = Math.Max(flight.SlowestBlock, report.ProcessingTime);
        if (++flight.Reports < flight.Sizes.Length) return;
        // Experience goes out in batch order, so the learner sees what the direct loop's buffer holds.
        while (_inFlight.TryGetValue(_nextToReport, out var ready) && ready.Reports == ready.Sizes.Length)
        {
            _inFlight.Remove(_nextToReport++);
            Report(ready);
        }
        FinishIfDone();
    }

    private void Report(InFlight flight)
    {
        var batch = flight.Batch;
        int p = flight.Sizes.Length, tuples = 0, maxSize = 0, pairs = 0, maxDistinct = 0;
        for (int b = 0; b < p; b++)
        {
            tuples += flight.Sizes[b];
            maxSize = Math.Max(maxSize, flight.Sizes[b]);
            pairs += flight.Distinct[b];
            maxDistinct = Math.Max(maxDistinct, flight.Distinct[b]);
        }
        if (tuples != batch.Keys.Length)
        {
            _experiment.Tell(new PhaseFailed(_settings.Phase, $"batch {batch.Sequence}: the partitions reported {tuples} tuples, the batch has {batch.Keys.Length}"));
            return;
        }
        var cost = _settings.Options.Cost ?? CostModel.Default;
        var measured = flight.Metrics with
        {
            SizeImbalance = tuples == 0 ? 0 : (double)maxSize * p / tuples - 1,
            CardinalityImbalance = pairs == 0 ? 0 : (double)maxDistinct * p / pairs - 1,
            ProcessingTime = cost.BatchTime(flight.SlowestBlock, flight.Metrics.ExtraFragments, p),
        };
        double reward = -_settings.Options.Weights.Cost(measured);
        if (_settings.Training)
        {
            var (candidates, counts, actions, logs, values, globals) = flight.Steps!.Value;
            _learner.Tell(new EpisodeExperience(batch.Sequence, ImmutableCollectionsMarshal.AsImmutableArray(candidates),
                ImmutableCollectionsMarshal.AsImmutableArray(counts), ImmutableCollectionsMarshal.AsImmutableArray(actions),
                ImmutableCollectionsMarshal.AsImmutableArray(logs), ImmutableCollectionsMarshal.AsImmutableArray(values),
                ImmutableCollectionsMarshal.AsImmutableArray(globals), reward, flight.ClosesWindow, (double)(batch.Sequence + 1) / _settings.Batches));
        }
        _log.Debug("Batch {Sequence}: reward {Reward}, {Decisions} decisions", batch.Sequence, reward, flight.Decisions);
        _experiment.Tell(new BatchCompleted(batch.Sequence, measured, reward, flight.ReferenceReward, flight.Decisions, _version));
    }

    private void FinishIfDone()
    {
        if (_completed is not null && _inFlight.Count == 0 && _waiting.Count == 0)
        {
            _experiment.Tell(new PhaseCompleted(_settings.Phase, _completed.Batches, TrainingTime.Seconds(_placingTicks)));
            _completed = null;
        }
    }

}
