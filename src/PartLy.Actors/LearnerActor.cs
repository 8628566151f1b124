using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Event;
using PartLy.Learning.Algorithms;
using PartLy.Learning.Policies;
using PartLy.Learning.Scenarios;
using PartLy.Learning.Training;

namespace PartLy.Actors;

/// <summary>
/// The policy-gradient learner: a <see cref="Learner"/> (the one the direct loop uses) fed with the agents'
/// episodes; when an episode closes an update window it updates its master copy of the policy and publishes the new
/// weights (versioned) to its subscribers.
/// </summary>
public sealed class LearnerActor : ReceiveActor
{
    private readonly Learner _learner;
    private readonly HashSet<IActorRef> _subscribers = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _failed;

    public LearnerActor(TrainingOptions options, PolicyWeights initial)
    {
        var policy = PolicyOf(options, initial);
        _learner = new Learner(options, policy, initial.Version);
        Receive<SubscribeWeights>(_ =>
        {
            _subscribers.Add(Sender);
            Context.Watch(Sender);
        });
        Receive<Terminated>(t => _subscribers.Remove(t.ActorRef));
        Receive<GetWeights>(_ => Sender.Tell(Weights()));
        Receive<EpisodeExperience>(Learn);
    }

    public static Props Props(TrainingOptions options, PolicyWeights initial) =>
        Akka.Actor.Props.Create(() => new LearnerActor(options, initial));

    /// <summary>The session's policy network with the given weights.</summary>
    public static CandidatePolicy PolicyOf(TrainingOptions options, PolicyWeights weights)
    {
        var policy = Trainer.NewPolicy(ScenarioRegistry.Create(options.Scenario), options);
        weights.Scorer.AsSpan().CopyTo(policy.Scorer.Parameters);
        weights.Value.AsSpan().CopyTo(policy.Value.Parameters);
        return policy;
    }

    public static PolicyWeights WeightsOf(CandidatePolicy policy, int version, double updateSeconds = 0) =>
        new(version, ImmutableCollectionsMarshal.AsImmutableArray((float[])policy.Scorer.Parameters.Clone()),
            ImmutableCollectionsMarshal.AsImmutableArray((float[])policy.Value.Parameters.Clone()), updateSeconds);

    private PolicyWeights Weights() => WeightsOf(_learner.Policy, _learner.Version, _learner.UpdateSeconds);

    private void Learn(EpisodeExperience episode)
    {
        if (_failed) return;
        _learner.Add(new EpisodeSteps(episode.Candidates.ToArray(), episode.Counts.ToArray(), episode.Actions.ToArray(),
            episode.LogProbabilities.ToArray(), episode.Values.ToArray(), episode.States.ToArray()), episode.Reward);
        if (!episode.UpdateNow) return;
        try { _learner.Update(episode.Progress); }
        catch (TrainingDivergedException e)
        {
            _failed = true;
            _log.Error("Training diverged: {Reason}", e.Message);
            foreach (var subscriber in _subscribers) subscriber.Tell(new LearnerFailed(e.Message));
            return;
        }
        var weights = Weights();
        foreach (var subscriber in _subscribers) subscriber.Tell(weights);
    }
}
