using Akka.Actor;
using Akka.Event;

namespace PartLy.Actors;

/// <summary>
/// An agent node's host (/user/agent-host): runs the phase an experiment sends it (<see cref="StartAgent"/>) as a
/// source, a scheduler and a <see cref="PartitionerAgentActor"/> on this node, so that batches are read, placed and
/// sent to the workers here, and only episodes, weights and per-batch metrics cross to the driver and the learner.
/// With the learner on learner nodes it finds the singleton through a proxy of its own, and starts the agent once the
/// learner has answered (the proxy buffers a bounded number of messages until then).
/// </summary>
public sealed class AgentHost : ReceiveActor
{
    public const string Role = "agent";
    public const string Name = "agent-host";

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly List<IActorRef> _phase = [];
    private IActorRef _agent = ActorRefs.Nobody;
    private StartAgent? _awaitingLearner;
    private (StartAgent Start, IActorRef Learner)? _awaitingWorkers;
    private IActorRef _learner = ActorRefs.Nobody;
    private IActorRef _experiment = ActorRefs.Nobody;
    private string _phaseName = "";
    // The nodes up, from this node's cluster events: the cluster's read view (Cluster.State) may lag behind them.
    private readonly HashSet<Address> _up = [];

    public AgentHost()
    {
        Receive<StartAgent>(start =>
        {
            StopPhase();
            (_experiment, _phaseName) = (start.Experiment, start.Settings.Phase);
            if (start.Learner is null && start.Settings.Training)
            {
                _learner = Context.ActorOf(LearnerSingleton.ProxyProps(Context.System), $"{start.Settings.Phase}-learner");
                _phase.Add(_learner);
                _awaitingLearner = start;
                _learner.Tell(SubscribeWeights.Instance);
                return;
            }
            StartWhenWorkersUp(start, start.Learner ?? ActorRefs.Nobody);
        });
        Receive<Akka.Cluster.ClusterEvent.MemberUp>(up =>
        {
            _up.Add(up.Member.Address);
            if (_awaitingWorkers is { } waiting) StartWhenWorkersUp(waiting.Start, waiting.Learner);
        });
        Receive<Akka.Cluster.ClusterEvent.MemberRemoved>(removed => _up.Remove(removed.Member.Address));
        Receive<Akka.Cluster.ClusterEvent.IClusterDomainEvent>(_ => { });
        // The learner's answer to the host's subscription (and, later, its publications, which the agent gets itself).
        Receive<PolicyWeights>(_ =>
        {
            if (_awaitingLearner is not { } start) return;
            _awaitingLearner = null;
            StartWhenWorkersUp(start, _learner);
        });
        Receive<LearnerMoved>(moved => _agent.Forward(moved));
        Receive<StopAgent>(_ => StopPhase());
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new AgentHost());

    protected override void PreStart() => Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self,
        Akka.Cluster.ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(Akka.Cluster.ClusterEvent.MemberUp), typeof(Akka.Cluster.ClusterEvent.MemberRemoved));

    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);

    /// <summary>A phase actor that fails (a bug, a misconfigured dispatcher) ends the experiment with its message, as in the driver.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(e =>
    {
        string reason = e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message;
        _log.Error("Agent phase {Phase} failed: {Reason}", _phaseName, reason);
        _experiment.Tell(new PhaseFailed(_phaseName, reason));
        return Directive.Stop;
    });

    /// <summary>
    /// The driver starts a phase once it sees every worker node up; this node may see them later (gossip): the agent
    /// starts when this node sees them up too, since it takes a worker it does not see up to be lost.
    /// </summary>
    private void StartWhenWorkersUp(StartAgent start, IActorRef learner)
    {
        if (start.Settings.Workers?.Any(path => !_up.Contains(ActorPath.Parse(path).Address)) == true)
        {
            _log.Info("Phase {Phase} waits until this node sees the {Workers} worker nodes up ({Up} members up)", start.Settings.Phase, start.Settings.Workers.Count, _up.Count);
            _awaitingWorkers = (start, learner);
            return;
        }
        _awaitingWorkers = null;
        Start(start, learner);
    }

    private void Start(StartAgent start, IActorRef learner)
    {
        var settings = start.Settings;
        var source = Context.ActorOf(StreamSourceActor.Props(start.Feed, settings.Batches, start.TuplesPerSecond, settings.Lane, settings.Lanes), $"{settings.Phase}-source");
        var scheduler = Context.ActorOf(SchedulerActor.Props(start.FixedPartitions), $"{settings.Phase}-scheduler");
        _agent = Context.ActorOf(PartitionerAgentActor.Props(settings, start.Weights, source, scheduler, learner, start.Experiment, _up.ToHashSet()), $"{settings.Phase}-agent");
        _phase.AddRange([source, scheduler, _agent]);
        _log.Info("Phase {Phase}: {Batches} batches, reporting to {Experiment}", settings.Phase, settings.Batches, start.Experiment.Path);
    }

    private void StopPhase()
    {
        foreach (var actor in _phase) Context.Stop(actor);
        _phase.Clear();
        _agent = ActorRefs.Nobody;
        _awaitingLearner = null;
        _awaitingWorkers = null;
    }
}
