using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using PartLy.Core.Metrics;
using PartLy.Learning.Scenarios;
using PartLy.Learning.Training;

namespace PartLy.Actors;

/// <summary>
/// Runs the phases of an experiment (train, then test), each a source, a scheduler, an agent with its partition
/// actors and (training) a learner, and tells its subscribers of every completed batch. The phases are behaviours:
/// idle, awaiting the learner (on learner nodes), training, finishing training (awaiting the last weights), testing, stopping, done.
/// </summary>
public sealed partial class ExperimentActor : ReceiveActor, IWithTimers
{
    private readonly ExperimentSpec _spec;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly List<EpisodeRecord> _training = [];
    private readonly List<BatchMetrics> _test = [];
    private readonly List<double> _testCompletedAt = [], _testPlacing = [];
    private readonly Stopwatch _clock = new();
    private readonly HashSet<IActorRef> _subscribers = [];
    private readonly List<IActorRef> _phaseActors = [];
    private IActorRef _requester = ActorRefs.Nobody, _learner = ActorRefs.Nobody;
    private PolicyWeights _weights;
    private double _trainSeconds, _trainPlacingSeconds, _testSeconds;
    private readonly List<ServiceMeasure> _testService = [];
    private DeliveryCounters? _delivery;
    private long _testTuples;
    private string _phase = "idle";
    private int _initialVersion, _finalVersion, _publishedVersion;
    // With learner nodes: the weights training started from (for a learner that resumes elsewhere), the training
    // agent, when the learner's node was killed and how long until the learner answered again.
    private PolicyWeights? _trainingStart;
    private readonly List<ICanTell> _trainAgents = [];
    private LaneMerge _lanes = new(1);
    private readonly AgentLanes? _agentLanes;
    private long? _learnerKilledAt;
    private double? _failoverSeconds;

    public ExperimentActor(ExperimentSpec spec)
    {
        _spec = spec;
        _agentLanes = spec.AgentHosts is { } hosts ? new AgentLanes(hosts) : null;
        _weights = spec.InitialWeights ?? LearnerActor.WeightsOf(Trainer.NewPolicy(ScenarioRegistry.Create(spec.Training.Scenario), spec.Training), 0);
        Idle();
    }

    public static Props Props(ExperimentSpec spec) => Akka.Actor.Props.Create(() => new ExperimentActor(spec));

    /// <summary>
    /// The phase actors handle the failures they expect (a malformed trace, divergence); anything else that reaches
    /// here (a misconfigured dispatcher, a bug) ends the experiment with its message rather than restarting a phase
    /// actor into the same failure.
    /// </summary>
    protected override SupervisorStrategy SupervisorStrategy()
    {
        var self = Self;
        return new OneForOneStrategy(e =>
        {
            string reason = e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message;
            self.Tell(new PhaseFailed(_phase, reason));
            return Directive.Stop;
        });
    }

    private void Subscriptions()
    {
        Receive<SubscribeProgress>(_ =>
        {
            _subscribers.Add(Sender);
            Context.Watch(Sender);
        });
        Receive<Terminated>(t => _subscribers.Remove(t.ActorRef));
        Receive<PhaseFailed>(failed => Fail($"{failed.Phase}: {failed.Reason}"));
        Receive<LearnerKilled>(_ => _learnerKilledAt = Stopwatch.GetTimestamp());
        Receive<Akka.Cluster.ClusterEvent.MemberRemoved>(removed =>
        {
            if (removed.Member.HasRole(LearnerHost.Role) && _phase == "train") LearnerMoved(removed.Member.Address);
            if (removed.Member.HasRole(AgentHost.Role)) AgentLost(removed.Member.Address);
        });
        Receive<Akka.Cluster.ClusterEvent.UnreachableMember>(unreachable =>
        {
            if (unreachable.Member.HasRole(AgentHost.Role)) AgentLost(unreachable.Member.Address);
        });
        Receive<Akka.Cluster.ClusterEvent.IMemberEvent>(_ => { });
        Receive<CheckLanes>(_ => CheckLanesReport());
    }

    private void Idle()
    {
        Subscriptions();
        Receive<RunExperiment>(_ =>
        {
            _requester = Sender;
            if (_spec.Training.Batches > 0 && _spec.TrainFeed is not null) StartPhase(StartTraining);
            else StartPhase(StartTest);
        });
        Receive<StopExperiment>(_ => Sender.Tell(Completed(stopped: true)));
    }

    private void Training()
    {
        Subscriptions();
        Receive<BatchCompleted>(completed =>
        {
            foreach (var batch in _lanes.Add(completed))
            {
                _training.Add(new EpisodeRecord(batch.Sequence, batch.Reward, batch.ReferenceReward, batch.Metrics.SizeImbalance,
                    batch.Metrics.Replication, batch.Decisions, batch.Metrics.Partitions, batch.Stream));
                Publish("train", batch);
                if (batch.Sequence == _spec.KillAgentAt) Context.ActorSelection("/user/faults").Tell(new KillAgent(batch.Sequence));
            }
        });
        Receive<PolicyWeights>(weights =>
        {
            NoteFailover();
            if (weights.Version <= _weights.Version) return; // a resumed learner's answer to GetWeights or to the new subscription
            _weights = weights;
            PublishWeights(weights);
        });
        Receive<PhaseCompleted>(lane =>
        {
            if (_lanes.Complete(lane) is not { } done) return;
            _log.Info("Phase train done: {Batches} batches in {Seconds:F1} s", done.Batches, _clock.Elapsed.TotalSeconds);
            _trainPlacingSeconds = done.PlacingSeconds;
            AddDelivery(done.Delivery);
            // A stream that ended early closed no last window: only the full windows were updates.
            int epu = _spec.Training.Learner.EpisodesPerUpdate;
            _finalVersion = _initialVersion + (done.Batches >= _spec.Training.Batches ? Learner.Updates(_spec.Training.Batches, epu) : (int)(done.Batches / epu));
            _learner.Tell(GetWeights.Instance);
            Become(FinishingTraining);
        });
        Receive<StopExperiment>(_ => Stop());
    }

    private void FinishingTraining()
    {
        Subscriptions();
        // The learner's last update reaches here both as a publication and as the answer to GetWeights: the first to
        // carry the last version ends training.
        Receive<PolicyWeights>(weights =>
        {
            NoteFailover();
            PublishWeights(weights);
            if (weights.Version < _finalVersion) return;
            _weights = weights;
            _trainSeconds = _clock.Elapsed.TotalSeconds; // training ends with the last update
            StartPhase(StartTest);
        });
        Receive<StopExperiment>(_ => Stop());
    }

    private void Testing()
    {
        Subscriptions();
        Receive<PolicyWeights>(_ => { }); // the second copy of the last weights
        Receive<BatchCompleted>(completed =>
        {
            foreach (var batch in _lanes.Add(completed))
            {
                _test.Add(batch.Metrics);
                _testTuples += batch.Metrics.Tuples;
                _testCompletedAt.Add(batch.CompletedSeconds);
                _testPlacing.Add(batch.PlacingSeconds);
                if (batch.Service is not null) _testService.Add(batch.Service);
                Publish("test", batch);
            }
        });
        Receive<PhaseCompleted>(lane =>
        {
            if (_lanes.Complete(lane) is not { } done) return;
            _log.Info("Phase test done: {Batches} batches in {Seconds:F1} s", done.Batches, _clock.Elapsed.TotalSeconds);
            _testSeconds = _clock.Elapsed.TotalSeconds;
            AddDelivery(done.Delivery);
            Reply(stopped: false);
        });
        Receive<StopExperiment>(_ =>
        {
            _testSeconds = _clock.Elapsed.TotalSeconds;
            Reply(stopped: true);
        });
    }

    private void Stopping()
    {
        Subscriptions();
        Receive<PolicyWeights>(weights =>
        {
            _weights = weights;
            Reply(stopped: true);
        });
        // A learner that does not answer (its node gone, no session) must not keep a stopped run from ending.
        Receive<ReceiveTimeout>(_ =>
        {
            _log.Warning("The learner did not answer within {Seconds} s: stopping with the weights of version {Version}", StopWaitSeconds, _weights.Version);
            Reply(stopped: true);
        });
        ReceiveAny(_ => { });
    }

    private const int StopWaitSeconds = 10;

    private void Done() => ReceiveAny(_ => { });

    private void Stop()
    {
        _learner.Tell(GetWeights.Instance);
        Context.SetReceiveTimeout(TimeSpan.FromSeconds(StopWaitSeconds));
        Become(Stopping);
    }

    /// <summary>Tells the subscribers of weights newer than the last told (checkpoints are written from them).</summary>
    private void PublishWeights(PolicyWeights weights)
    {
        if (weights.Version <= _publishedVersion) return;
        _publishedVersion = weights.Version;
        foreach (var subscriber in _subscribers) subscriber.Tell(new ExperimentWeights(weights, _training.Count));
    }

    private void Publish(string phase, BatchCompleted batch)
    {
        var progress = new ExperimentProgress(phase, batch);
        foreach (var subscriber in _subscribers) subscriber.Tell(progress);
    }

    /// <summary>Starts a phase; actors that cannot be created (a misconfigured dispatcher) end the experiment with the reason.</summary>
    private void StartPhase(Action start)
    {
        try { start(); }
        catch (Exception e) when (e is Akka.Configuration.ConfigurationException or ActorInitializationException)
        {
            Fail(e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message);
        }
    }

    private void StartTraining()
    {
        _phase = "train";
        if (_spec.LearnerOnNodes)
        {
            _trainingStart = _weights;
            _learner = Context.ActorOf(LearnerSingleton.ProxyProps(Context.System), "learner");
            _learner.Tell(new StartLearning(_spec.Training, _weights, _spec.LearnerStatePath, MaxPolicyLag: _spec.MaxPolicyLag));
        }
        else _learner = Context.ActorOf(LearnerActor.Props(_spec.Training, _weights, maxPolicyLag: _spec.MaxPolicyLag), "learner");
        _learner.Tell(SubscribeWeights.Instance);
        _initialVersion = _weights.Version;
        if (_spec.LearnerOnNodes) Become(AwaitingLearner);
        else StartTrainingAgent();
    }

    /// <summary>
    /// The learner singleton answers the subscription once it is found and runs the session; until then the proxy
    /// buffers (a bounded buffer that an agent sending without waiting would overflow), so the agent starts after.
    /// </summary>
    private void AwaitingLearner()
    {
        Subscriptions();
        Receive<PolicyWeights>(_ => StartTrainingAgent());
        Receive<StopExperiment>(_ => Stop());
    }

    private void StartTrainingAgent()
    {
        StartActors(new AgentSettings("train", true, _spec.Training, _spec.Training.Batches, _spec.Window, _spec.Workers, _spec.KillWorkerAt, _spec.ReportTimeoutSeconds,
            _spec.Service, KillLearnerAt: _spec.KillLearnerAt, Asynchronous: _spec.MaxPolicyLag is not null), _spec.TrainFeed!, _learner, _trainAgents);
        Become(Training);
    }

    private void StartTest()
    {
        StopPhase();
        if (_spec.TestFeed is null || _spec.TestBatches == 0) { Reply(stopped: false); return; }
        _phase = "test";
        StartActors(new AgentSettings("test", false, _spec.Training, _spec.TestBatches, _spec.Window, _spec.Workers, ReportTimeoutSeconds: _spec.ReportTimeoutSeconds, Service: _spec.Service, Strategy: _spec.TestStrategy), _spec.TestFeed, ActorRefs.Nobody, []);
        Become(Testing);
    }

    /// <summary>Starts the phase's lanes (one without several agents), each a source, a scheduler and an agent, adding the agents to <paramref name="agents"/>.</summary>
    private void StartActors(AgentSettings settings, Learning.Rl.FeedSpec feed, IActorRef learner, List<ICanTell> agents)
    {
        _clock.Restart();
        agents.Clear();
        int lanes = _agentLanes?.Lanes ?? _spec.Lanes;
        _lanes = new LaneMerge(lanes);
        if (_spec.AgentHosts is not null) Timers.StartPeriodicTimer("lanes", CheckLanes.Instance, TimeSpan.FromSeconds(1));
        for (int lane = 0; lane < lanes; lane++)
        {
            var laneSettings = settings with { Lane = lane, Lanes = lanes };
            if (_agentLanes is not null)
            {
                // The agent node reads, places and sends its lane's batches; with learner nodes it finds the learner itself.
                var start = new StartAgent(laneSettings, feed, _weights, _spec.FixedPartitions, _spec.TuplesPerSecond, Self, _spec.LearnerOnNodes || learner.IsNobody() ? null : learner);
                var host = Context.ActorSelection(_agentLanes.HostOf(lane));
                host.Tell(start);
                _agentLanes.Started(lane, start);
                agents.Add(host);
                continue;
            }
            // Lane 0 keeps a single agent's names (and its dispatchers in hocon/partly.conf); later lanes share the loop's.
            string suffix = lane == 0 ? "" : $"-{lane}";
            var source = Context.ActorOf(StreamSourceActor.Props(feed, settings.Batches, _spec.TuplesPerSecond, lane, lanes), $"{settings.Phase}-source{suffix}");
            var scheduler = Context.ActorOf(Loop(SchedulerActor.Props(_spec.FixedPartitions), lane), $"{settings.Phase}-scheduler{suffix}");
            var agent = Context.ActorOf(Loop(PartitionerAgentActor.Props(laneSettings, _weights, source, scheduler, learner, Self), lane), $"{settings.Phase}-agent{suffix}");
            _phaseActors.AddRange([source, scheduler, agent]);
            agents.Add(agent);
        }
        _log.Info("Phase {Phase}: {Batches} batches, {Lanes} lanes{Where}", settings.Phase, settings.Batches, lanes, _spec.AgentHosts is null ? "" : " on agent nodes");
    }

    private static Props Loop(Props props, int lane) => lane == 0 ? props : props.WithDispatcher("partly.runtime.loop-dispatcher");

    private void StopPhase()
    {
        foreach (var actor in _phaseActors) Context.Stop(actor);
        _phaseActors.Clear();
        foreach (string path in _agentLanes?.LiveHosts ?? []) Context.ActorSelection(path).Tell(StopAgent.Instance);
        if (!_learner.IsNobody()) { Context.Stop(_learner); _learner = ActorRefs.Nobody; }
    }

    private ExperimentCompleted Completed(bool stopped) =>
        new(_weights, _training, _test, _trainSeconds, _testSeconds, _testTuples, stopped, _testCompletedAt,
            new TrainingTime(_trainPlacingSeconds, _weights.UpdateSeconds), _delivery, _testPlacing, _testService.Count > 0 ? _testService : null, _failoverSeconds,
            _agentLanes?.NodesLost ?? 0, _agentLanes?.LanesMoved ?? 0);

    private void AddDelivery(DeliveryCounters? delivery)
    {
        if (delivery is not null) _delivery = (_delivery ?? DeliveryCounters.None).Plus(delivery);
    }

    private void Reply(bool stopped)
    {
        Context.SetReceiveTimeout(null);
        StopPhase();
        _requester.Tell(Completed(stopped));
        _phase = "done";
        Become(Done);
    }

    private void Fail(string reason)
    {
        _log.Error("Experiment failed: {Reason}", reason);
        StopPhase();
        _requester.Tell(new ExperimentFailed(reason));
        _phase = "failed";
        Become(Done);
    }
}
