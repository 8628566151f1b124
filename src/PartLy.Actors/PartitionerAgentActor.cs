using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using PartLy.Core.Metrics;
using PartLy.Core.Streams;
using PartLy.Learning.Algorithms;
using PartLy.Learning.Rl;
using PartLy.Learning.Scenarios;
using PartLy.Learning.Training;

namespace PartLy.Actors;

/// <summary>
/// The partitioner agent: for each batch it asks the scheduler for the parallelism, places the tuples with its
/// local copy of the policy through the same <see cref="RolloutWorker"/> as the direct training loop, sends each
/// partition actor its block (one message per block; with worker nodes, each worker its blocks in one message), and computes the reward from the sizes and distinct keys the
/// partitions report. Training, it sends each episode to the learner in batch order and, after a batch that closes an
/// update window, waits for the new weights before placing the next, so that a seed gives the same numbers as the
/// direct loop; asynchronously, it never waits and adopts new weights as they arrive.
/// </summary>
public sealed class PartitionerAgentActor : ReceiveActor, IWithTimers
{
    private static readonly EpisodeSteps NoSteps = new([], [], [], [], [], []);
    private readonly AgentSettings _settings;
    private readonly Learning.Policies.CandidatePolicy _policy;
    private readonly IActorRef _source, _scheduler, _learner, _experiment;
    private readonly PushFeed _feed = new();
    private readonly RolloutWorker _worker;
    private readonly List<IActorRef> _partitions = [];
    private readonly WorkerNodes? _workers;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<long, InFlight> _inFlight = [];
    private readonly Queue<SourceBatch> _waiting = new();
    private readonly Dictionary<long, int> _decisions = [];
    private StreamCompleted? _completed;
    private long _nextToReport;
    private readonly int _initialVersion;
    private int _version;
    private long _placingTicks;
    private DeliveryCounters _delivery = DeliveryCounters.None;
    private bool _killPending, _killed;
    // A strategy placing the batches instead of the policy (a baseline through the same actors), with its buffer.
    private readonly Core.Partitioning.Partitioner? _strategy;
    private readonly BatchAnalyzer? _analyzer;
    private int[] _strategyBlocks = [];
    // The episodes sent since the last weights adopted (the open update window), to send again if the learner moves.
    private readonly Queue<EpisodeExperience> _openWindow = new();
    private readonly System.Diagnostics.Stopwatch _clock = new();
    private EpisodeExperience? _heldForLearnerKill;
    private readonly IReadOnlySet<Address>? _workersUp;

    public PartitionerAgentActor(AgentSettings settings, PolicyWeights weights, IActorRef source, IActorRef scheduler, IActorRef learner, IActorRef experiment,
        IReadOnlySet<Address>? workersUp = null)
    {
        _workersUp = workersUp;
        _version = _initialVersion = weights.Version;
        _settings = settings;
        _nextToReport = settings.StartAt + ((settings.Lane - settings.StartAt % settings.Lanes) + settings.Lanes) % settings.Lanes;
        _policy = LearnerActor.PolicyOf(settings.Options, weights);
        _source = source;
        _scheduler = scheduler;
        _learner = learner;
        _experiment = experiment;
        _workers = settings.Workers is { Count: > 0 } paths ? new WorkerNodes(paths, Context) : null;
        var scenario = ScenarioRegistry.Create(settings.Options.Scenario);
        IParallelEnv env = settings.Training
            ? Trainer.TrainingEnv(scenario, _feed, settings.Options)
            : new PartitionEnv(scenario, _feed, settings.Options.ScenarioOptions);
        _worker = new RolloutWorker(env, _policy, Trainer.ActionSeed(settings.Options.Seed, settings.Lane), settings.Training);
        if (settings.Service is not null && _workers is null) throw new ArgumentException("emulated service time needs worker nodes to serve the blocks");
        if (settings.Strategy is not null)
        {
            if (settings.Training) throw new ArgumentException("a strategy places test batches only: training needs the policy");
            _strategy = Core.Partitioning.Strategies.Create(settings.Strategy);
            _analyzer = new BatchAnalyzer(settings.Options.Cost ?? CostModel.Default);
        }
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
        Receive<BlockProcessed>(report => Collect(report.Sequence, 1, flight => flight.Blocks.Add(report)));
        Receive<BlocksProcessed>(reports => Collect(reports.Sequence, reports.Blocks.Length, flight => flight.Blocks.Add(reports)));
        Receive<StreamCompleted>(done =>
        {
            _completed = done;
            FinishIfDone();
        });
        Receive<StreamFailed>(failed => _experiment.Tell(new PhaseFailed(_settings.Phase, failed.Reason)));
        Receive<PolicyWeights>(w =>
        {
            Adopt(w);
            PlaceReady();
        });
        Receive<LearnerFailed>(failed => _experiment.Tell(new PhaseFailed(_settings.Phase, $"training diverged: {failed.Reason}")));
        Receive<ClusterEvent.UnreachableMember>(m => LoseWorker(m.Member.Address));
        Receive<ClusterEvent.MemberRemoved>(m => LoseWorker(m.Member.Address));
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<CheckReports>(_ => CheckReportsArrive());
        Receive<LearnerMoved>(_ =>
        {
            _learner.Tell(SubscribeWeights.Instance);
            foreach (var episode in _openWindow) _learner.Tell(episode);
            _log.Warning("The learner moved: {Episodes} episodes of the open window sent again", _openWindow.Count);
        });
        Receive<LearnerKilled>(killed =>
        {
            _experiment.Tell(killed);
            if (_heldForLearnerKill is { } held) SendEpisode(held);
            _heldForLearnerKill = null;
        });
        Receive<WorkerKilled>(killed =>
        {
            _log.Warning("Worker node {Worker} killed before batch {Sequence}", killed.Worker, killed.Sequence);
            (_killPending, _killed) = (false, true);
            PlaceReady();
        });
    }

    /// <param name="weights">The weights the agent starts from.</param>
    /// <param name="learner">The learner to send experience to and take weights from (Nobody when not training).</param>
    /// <param name="workersUp">The nodes seen up, from cluster events (on an agent node, the cluster's read view may not show them up yet); without it, the cluster's state.</param>
    public static Props Props(AgentSettings settings, PolicyWeights weights, IActorRef source, IActorRef scheduler, IActorRef learner, IActorRef experiment,
        IReadOnlySet<Address>? workersUp = null) =>
        Akka.Actor.Props.Create(() => new PartitionerAgentActor(settings, weights, source, scheduler, learner, experiment, workersUp));

    /// <summary>A partition actor that fails is a bug: the phase fails with its message (nothing restarts into it).</summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Escalate);

    protected override void PreStart()
    {
        if (_workers is not null)
        {
            var cluster = Akka.Cluster.Cluster.Get(Context.System);
            if (_workersUp is null) _workers.KeepUpMembers(cluster.State);
            else _workers.KeepUp(_workersUp);
            cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.UnreachableMember), typeof(ClusterEvent.MemberRemoved));
            Timers.StartPeriodicTimer("reports", CheckReports.Instance, TimeSpan.FromSeconds(1));
        }
        if (_settings.Training) _learner.Tell(SubscribeWeights.Instance);
        _clock.Start();
        _source.Tell(new RequestBatches(_settings.Window));
    }

    protected override void PostStop()
    {
        if (_workers is not null) Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
        _worker.Env.Dispose();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>
    /// A batch whose blocks have not all reported within the timeout while their workers are reachable (a message lost
    /// between nodes, a worker that hangs) fails the phase with what is missing, rather than waiting for ever.
    /// </summary>
    private void CheckReportsArrive()
    {
        foreach (var (sequence, flight) in _inFlight)
        {
            double waited = System.Diagnostics.Stopwatch.GetElapsedTime(flight.SentAt).TotalSeconds;
            if (waited <= _settings.ReportTimeoutSeconds) continue;
            _experiment.Tell(new PhaseFailed(_settings.Phase, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"batch {sequence}: {flight.Blocks.Sizes.Length - flight.Blocks.Reports} of its {flight.Blocks.Sizes.Length} blocks have not reported in {waited:F0} s with {_workers!.Live.Count} worker nodes reachable (partly.runtime.report-timeout-seconds is {_settings.ReportTimeoutSeconds})")));
            Timers.Cancel("reports");
            return;
        }
    }

    /// <summary>
    /// A worker node is unreachable or removed: the blocks it holds and has not reported go to the live workers (a
    /// late report of a block sent twice is dropped), and later batches go to the live workers only.
    /// </summary>
    private void LoseWorker(Address address)
    {
        if (_workers is null) return;
        int lost = _workers.Lose(address);
        if (lost < 0) return;
        if (_workers.Live.Count == 0)
        {
            _experiment.Tell(new PhaseFailed(_settings.Phase, $"every worker node is lost (the last, {address}, is unreachable)"));
            return;
        }
        int resent = 0;
        foreach (var (sequence, flight) in _inFlight) resent += flight.Blocks.Resend(sequence, lost, _workers.Selections, _workers.Live, Self);
        _delivery = _delivery with { WorkersLost = _delivery.WorkersLost + 1, BlocksResent = _delivery.BlocksResent + resent };
        _log.Warning("Worker node {Address} lost: {Resent} blocks of {Batches} batches in flight re-sent to {Live} workers", address, resent, _inFlight.Count, _workers.Live.Count);
    }

    /// <summary>
    /// Places the queued batches in order, each once the scheduler has answered for it (it is asked as soon as the
    /// batch arrives, so its answer is usually there), and never past a batch that closed an update window until the
    /// learner's new weights have arrived.
    /// </summary>
    private void PlaceReady()
    {
        // Under emulated service time one batch is in service at a time, as a stream processor runs one batch's job at a time.
        while (!_killPending && (_settings.Service is null || _inFlight.Count == 0)
            && _waiting.TryPeek(out var next) && _decisions.ContainsKey(next.Sequence) && Learnt(next.Sequence))
        {
            if (_settings.KillWorkerAt == next.Sequence && !_killed && _workers is not null)
            {
                // The blocks of this batch go out only once the worker is dead, so that some of them are surely lost.
                _killPending = true;
                Context.ActorSelection("/user/faults").Tell(new KillWorker(next.Sequence, 0));
                return;
            }
            _decisions.Remove(next.Sequence, out int partitions);
            _waiting.Dequeue();
            Place(next, partitions);
            _source.Tell(new RequestBatches(1));
        }
    }

    /// <summary>
    /// Learning synchronously, a batch is placed with the weights of every update before its window (version
    /// initial + sequence / episodes per update), as the direct loop places it, whichever lane holds it.
    /// </summary>
    private bool Learnt(long sequence) =>
        !_settings.Training || _settings.Asynchronous || _version - _initialVersion >= sequence / _settings.Options.Learner.EpisodesPerUpdate;

    private void Adopt(PolicyWeights weights)
    {
        if (weights.Version <= _version) return;
        // Each version is one update of a window: the episodes of the windows before it are learnt.
        long learntBefore = (long)(weights.Version - _initialVersion) * _settings.Options.Learner.EpisodesPerUpdate;
        while (_openWindow.TryPeek(out var learnt) && learnt.Sequence < learntBefore) _openWindow.Dequeue();
        weights.Scorer.AsSpan().CopyTo(_policy.Scorer.Parameters);
        weights.Value.AsSpan().CopyTo(_policy.Value.Parameters);
        _version = weights.Version;
    }

    /// <summary>A batch whose blocks are out at the partition actors.</summary>
    private sealed record InFlight(SourceBatch Batch, EpisodeOutcome Outcome, bool ClosesWindow, BlockFanOut Blocks, long SentAt, double PlacingSeconds, int Version);

    /// <summary>
    /// Places the batch and sends out its blocks. The next batch may be placed before these blocks are reported
    /// (placement does not depend on rewards), except after a batch that closes an update window: then the agent
    /// waits for the new weights, as the direct loop does.
    /// </summary>
    private void Place(SourceBatch batch, int partitions)
    {
        var keys = ImmutableCollectionsMarshal.AsArray(batch.Keys)!;
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        EpisodeOutcome outcome;
        if (_strategy is null)
        {
            _feed.Push(new FeedItem(new MicroBatch(batch.Index, keys, batch.ExpectedTuples), partitions, batch.NewStream, batch.Stream));
            outcome = _worker.PlayEpisode();
        }
        else
        {
            var metrics = Core.Scheduling.SchedulingRun.Place(_strategy, _analyzer!, batch.Index, keys, batch.ExpectedTuples, partitions,
                _settings.Options.Mode == Core.Partitioning.InformationMode.Buffered, ref _strategyBlocks);
            outcome = new EpisodeOutcome(0, 0, metrics, 0, null, _strategyBlocks.AsMemory(0, keys.Length));
        }
        long placing = System.Diagnostics.Stopwatch.GetTimestamp() - started;
        _placingTicks += placing;
        bool closes = _settings.Training && Learner.ClosesWindow(batch.Sequence, _settings.Batches, _settings.Options.Learner.EpisodesPerUpdate);
        var cost = _settings.Options.Cost ?? CostModel.Default;
        var blocks = _workers is not null
            ? BlockFanOut.SendToWorkers(batch.Sequence, keys, outcome.Blocks.Span, partitions, _workers.Selections, _workers.Live, Self)
            : BlockFanOut.Send(batch.Sequence, keys, outcome.Blocks.Span, partitions, _partitions, b => Context.ActorOf(PartitionActor.Props(cost), $"partition-{b}"));
        _inFlight[batch.Sequence] = new InFlight(batch, outcome, closes, blocks, System.Diagnostics.Stopwatch.GetTimestamp(), TrainingTime.Seconds(placing), _version);
    }

    private void Collect(long sequence, int blocks, Func<InFlight, bool> add)
    {
        if (!_inFlight.TryGetValue(sequence, out var flight))
        {
            // Every block of a batch no longer in flight has reported: these are reports of blocks sent twice.
            _delivery = _delivery with { DuplicatesDropped = _delivery.DuplicatesDropped + blocks };
            return;
        }
        if (!add(flight)) return;
        // Experience goes out in batch order, so the learner sees what the direct loop's buffer holds.
        while (_inFlight.TryGetValue(_nextToReport, out var ready) && ready.Blocks.Complete)
        {
            _inFlight.Remove(_nextToReport);
            _nextToReport += _settings.Lanes;
            double waited = System.Diagnostics.Stopwatch.GetElapsedTime(ready.SentAt).TotalSeconds;
            _delivery = _delivery with
            {
                DuplicatesDropped = _delivery.DuplicatesDropped + ready.Blocks.DuplicatesDropped,
                LongestWaitSeconds = Math.Max(_delivery.LongestWaitSeconds, waited),
                TuplesPlaced = _delivery.TuplesPlaced + ready.Batch.Keys.Length,
                TuplesReported = _delivery.TuplesReported + ready.Blocks.Tuples,
            };
            Report(ready);
        }
        if (_settings.Service is not null) PlaceReady();
        FinishIfDone();
    }

    private void Report(InFlight flight)
    {
        var batch = flight.Batch;
        if (flight.Blocks.Tuples != batch.Keys.Length)
        {
            _experiment.Tell(new PhaseFailed(_settings.Phase, $"batch {batch.Sequence}: the partitions reported {flight.Blocks.Tuples} tuples, the batch has {batch.Keys.Length}"));
            return;
        }
        var outcome = flight.Outcome;
        var measured = flight.Blocks.Measured(outcome.Metrics, _settings.Options.Cost ?? CostModel.Default);
        double reward = -_settings.Options.Weights.Cost(measured);
        if (_settings.Training)
        {
            var steps = outcome.Steps ?? NoSteps;
            var episode = new EpisodeExperience(batch.Sequence, ImmutableCollectionsMarshal.AsImmutableArray(steps.Candidates),
                ImmutableCollectionsMarshal.AsImmutableArray(steps.Counts), ImmutableCollectionsMarshal.AsImmutableArray(steps.Actions),
                ImmutableCollectionsMarshal.AsImmutableArray(steps.LogProbabilities), ImmutableCollectionsMarshal.AsImmutableArray(steps.Values),
                ImmutableCollectionsMarshal.AsImmutableArray(steps.States), reward, flight.ClosesWindow, (double)(batch.Sequence + 1) / _settings.Batches, flight.Version);
            if (flight.ClosesWindow && _settings.KillLearnerAt == batch.Sequence / _settings.Options.Learner.EpisodesPerUpdate + 1 && _heldForLearnerKill is null)
            {
                // The episode that closes this update goes out once the learner's node is dead: the update is surely lost with it.
                _heldForLearnerKill = episode;
                Context.ActorSelection("/user/faults").Tell(new KillLearner(batch.Sequence));
            }
            else SendEpisode(episode);
        }
        _log.Debug("Batch {Sequence}: reward {Reward}, {Decisions} decisions", batch.Sequence, reward, outcome.Decisions);
        var service = _settings.Service is null ? null
            : new ServiceMeasure(System.Diagnostics.Stopwatch.GetElapsedTime(flight.SentAt).TotalSeconds, _settings.Service.PredictedSeconds(flight.Blocks.Times, flight.Blocks.WorkerOf));
        _experiment.Tell(new BatchCompleted(batch.Sequence, measured, reward, outcome.ReferenceReward, outcome.Decisions, flight.Version, batch.Stream, flight.PlacingSeconds, service, _clock.Elapsed.TotalSeconds));
    }

    private void SendEpisode(EpisodeExperience episode)
    {
        _openWindow.Enqueue(episode);
        _learner.Tell(episode);
    }

    private void FinishIfDone()
    {
        if (_completed is not null && _inFlight.Count == 0 && _waiting.Count == 0)
        {
            _experiment.Tell(new PhaseCompleted(_settings.Phase, _completed.Batches, TrainingTime.Seconds(_placingTicks), _workers is null ? null : _delivery, _settings.Lane));
            _completed = null;
        }
    }
}
