using Akka.Actor;
using Akka.Cluster.Tools.Singleton;
using Akka.Event;

namespace PartLy.Actors;

/// <summary>
/// The learner on learner nodes: a cluster singleton (on the oldest node with the <c>learner</c> role, so that it can
/// move) that holds no session until a driver's experiment sends <see cref="StartLearning"/>; it then runs a
/// <see cref="LearnerActor"/> for that session and forwards the learner protocol to it, senders kept.
/// </summary>
public sealed class LearnerHost : ReceiveActor, IWithStash
{
    public const string Role = "learner";

    /// <summary>The singleton manager's name on every learner node (/user/learner; the singleton is its child).</summary>
    public const string ManagerName = "learner";

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IActorRef _learner = ActorRefs.Nobody;

    public LearnerHost()
    {
        Receive<StartLearning>(start =>
        {
            if (!_learner.IsNobody()) Context.Stop(_learner);
            _learner = Context.ActorOf(LearnerActor.Props(start.Options, start.Initial, start.StatePath, start.Resume, start.MaxPolicyLag));
            _log.Info("Learning from weights version {Version}, {Batches} batches{Resumed}", start.Initial.Version, start.Options.Batches, start.Resume ? ", resumed" : "");
            Stash.UnstashAll();
        });
        Receive<SubscribeWeights>(Forward);
        Receive<GetWeights>(Forward);
        Receive<EpisodeExperience>(Forward);
    }

    public IStash Stash { get; set; } = null!;

    public static Props Props() => Akka.Actor.Props.Create(() => new LearnerHost());

    private void Forward(object message)
    {
        // Nothing learns before a session starts: keep what comes early (the proxy keeps one sender's order).
        if (_learner.IsNobody()) Stash.Stash();
        else _learner.Forward(message);
    }
}

/// <summary>Where the learner singleton lives: its manager on each learner node, and the proxy that finds it.</summary>
public static class LearnerSingleton
{
    /// <summary>Starts the singleton's manager on a learner node.</summary>
    public static IActorRef StartManager(ActorSystem system) =>
        system.ActorOf(ClusterSingletonManager.Props(LearnerHost.Props(), PoisonPill.Instance, ClusterSingletonManagerSettings.Create(system).WithRole(LearnerHost.Role)),
            LearnerHost.ManagerName);

    /// <summary>A proxy that routes to the singleton wherever it runs (buffering while it is unknown).</summary>
    public static Props ProxyProps(ActorSystem system) =>
        ClusterSingletonProxy.Props($"/user/{LearnerHost.ManagerName}", ClusterSingletonProxySettings.Create(system).WithRole(LearnerHost.Role));
}
