using Akka.Actor;
using Akka.Event;

namespace PartLy.Actors;

/// <summary>
/// An agent node's host (/user/agent-host): runs the lanes of the phase an experiment sends it (<see cref="StartAgent"/>,
/// one per lane: its own, and a lane moved here from a lost agent node) as a source, a scheduler and a
/// <see cref="PartitionerAgentActor"/> each on this node, so that batches are read, placed and sent to the workers here,
/// and only episodes, weights and per-batch metrics cross to the driver and the learner. With the learner on learner
/// nodes it finds the singleton through a proxy of its own, and starts the agents once the learner has answered (the
/// proxy buffers a bounded number of messages until then).
/// </summary>
public sealed class AgentHost : ReceiveActor
{
    public const string Role = "agent";
    public const string Name = "agent-host";

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly List<IActorRef> _phase = [];
    private readonly List<IActorRef> _agents = [];
    // Lanes sent and not started yet: waiting for the learner's answer or for this node to see the workers up.
    private readonly List<StartAgent> _pending = [];
    private IActorRef _learner = ActorRefs.Nobody;
    private bool _learnerAnswered;
    private IActorRef _experiment = ActorRefs.Nobody;
    private string _phaseName = "";
    // The nodes up, from this node's cluster events: the cluster's read view (Cluster.State) may lag behind them.
    private readonly HashSet<Address> _up = [];

    public AgentHost()
    {
        Receive<StartAgent>(start =>
        {
            if (start.Settings.Phase != _phaseName) StopPhase();
            (_experiment, _phaseName) = (start.Experiment, start.Settings.Phase);
            if (start.Learner is null && start.Settings.Training && _learner.IsNobody())
            {
                _learner = Context.ActorOf(LearnerSingleton.ProxyProps(Context.System), $"{start.Settings.Phase}-learner");
                _phase.Add(_learner);
                _learner.Tell(SubscribeWeights.Instance);
            }
            _pending.Add(start);
            StartReady();
        });
        Receive<Akka.Cluster.ClusterEvent.MemberUp>(up =>
        {
            _up.Add(up.Member.Address);
            StartReady();
        });
        Receive<Akka.Cluster.ClusterEvent.MemberRemoved>(removed => _up.Remove(removed.Member.Address));
        Receive<Akka.Cluster.ClusterEvent.IClusterDomainEvent>(_ => { });
        // The learner's answer to the host's subscription (and, later, its publications, which the agents get themselves).
        Receive<PolicyWeights>(_ =>
        {
            _learnerAnswered = true;
            StartReady();
        });
        Receive<LearnerMoved>(moved => { foreach (var agent in _agents) agent.Forward(moved); });
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
    /// Starts the lanes that can start: the learner (found through this node's proxy) has answered, and this node sees
    /// every worker node up (the driver starts a phase once it sees them up; this node may see them later, and an agent
    /// takes a worker it does not see up to be lost).
    /// </summary>
    private void StartReady()
    {
        for (int i = 0; i < _pending.Count; i++)
        {
            var start = _pending[i];
            bool viaProxy = start.Learner is null && start.Settings.Training;
            if (viaProxy && !_learnerAnswered) continue;
            if (start.Settings.Workers?.Any(path => !_up.Contains(ActorPath.Parse(path).Address)) == true)
            {
                _log.Info("Phase {Phase} waits until this node sees the {Workers} worker nodes up ({Up} members up)", start.Settings.Phase, start.Settings.Workers.Count, _up.Count);
                continue;
            }
            _pending.RemoveAt(i--);
            Start(start, viaProxy ? _learner : start.Learner ?? ActorRefs.Nobody);
        }
    }

    private void Start(StartAgent start, IActorRef learner)
    {
        var settings = start.Settings;
        // The host's first lane has the names hocon/partly.conf deploys on the loop and partition dispatchers; a lane
        // moved here is named after its lane, its agent and scheduler on the loop dispatcher too.
        string suffix = _agents.Count == 0 ? "" : $"-{settings.Lane}";
        Props Loop(Props props) => _agents.Count == 0 ? props : props.WithDispatcher("partly.runtime.loop-dispatcher");
        var source = Context.ActorOf(StreamSourceActor.Props(start.Feed, settings.Batches, start.TuplesPerSecond, settings.Lane, settings.Lanes, settings.StartAt), $"{settings.Phase}-source{suffix}");
        var scheduler = Context.ActorOf(Loop(SchedulerActor.Props(start.FixedPartitions)), $"{settings.Phase}-scheduler{suffix}");
        var agent = Context.ActorOf(Loop(PartitionerAgentActor.Props(settings, start.Weights, source, scheduler, learner, start.Experiment, _up.ToHashSet())), $"{settings.Phase}-agent{suffix}");
        _phase.AddRange([source, scheduler, agent]);
        _agents.Add(agent);
        _log.Info("Phase {Phase}, lane {Lane} from batch {From}: {Batches} batches, reporting to {Experiment}", settings.Phase, settings.Lane, settings.StartAt, settings.Batches, start.Experiment.Path);
    }

    private void StopPhase()
    {
        foreach (var actor in _phase) Context.Stop(actor);
        _phase.Clear();
        _agents.Clear();
        _pending.Clear();
        (_learner, _learnerAnswered, _phaseName) = (ActorRefs.Nobody, false, "");
    }
}
