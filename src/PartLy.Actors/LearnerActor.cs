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
/// weights (versioned) to its subscribers. Episodes are taken in sequence order: one seen already is dropped, one
/// ahead of its turn waits (after a failover the agent sends again what the lost learner had). With a state file it
/// writes its state there (atomically) after every update, before publishing; resumed, it goes on from that file. It
/// answers each subscription with the weights it holds. Learning asynchronously (a maximum policy lag), the episodes
/// may come from older weights: one placed by weights more than the lag older than the learner's is dropped and
/// counted, and the update corrects the rest with V-trace.
/// </summary>
public sealed class LearnerActor : ReceiveActor
{
    private readonly Learner _learner;
    private readonly HashSet<IActorRef> _subscribers = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string? _statePath;
    private readonly SortedDictionary<long, EpisodeExperience> _early = [];
    private readonly int? _maxPolicyLag;
    private long _next;
    private int _dropped;
    private bool _failed;

    public LearnerActor(TrainingOptions options, PolicyWeights initial, string? statePath = null, bool resume = false, int? maxPolicyLag = null)
    {
        var policy = PolicyOf(options, initial);
        _learner = new Learner(options, policy, initial.Version, offPolicy: maxPolicyLag is not null);
        _maxPolicyLag = maxPolicyLag;
        _statePath = statePath;
        if (resume && statePath is not null && File.Exists(statePath))
        {
            using var file = File.OpenRead(statePath);
            using (var reader = new BinaryReader(file, System.Text.Encoding.UTF8, leaveOpen: true)) (_next, _dropped) = (reader.ReadInt64(), reader.ReadInt32());
            _learner.ReadState(file);
            _log.Info("Resumed from {Path}: version {Version}, next episode {Next}", statePath, _learner.Version, _next);
        }
        Receive<SubscribeWeights>(_ =>
        {
            _subscribers.Add(Sender);
            Context.Watch(Sender);
            Sender.Tell(Weights());
        });
        Receive<Terminated>(t => _subscribers.Remove(t.ActorRef));
        Receive<GetWeights>(_ => Sender.Tell(Weights()));
        Receive<EpisodeExperience>(Take);
    }

    public static Props Props(TrainingOptions options, PolicyWeights initial, string? statePath = null, bool resume = false, int? maxPolicyLag = null) =>
        Akka.Actor.Props.Create(() => new LearnerActor(options, initial, statePath, resume, maxPolicyLag));

    /// <summary>The session's policy network with the given weights.</summary>
    public static CandidatePolicy PolicyOf(TrainingOptions options, PolicyWeights weights)
    {
        var policy = Trainer.NewPolicy(ScenarioRegistry.Create(options.Scenario), options);
        weights.Scorer.AsSpan().CopyTo(policy.Scorer.Parameters);
        weights.Value.AsSpan().CopyTo(policy.Value.Parameters);
        return policy;
    }

    public static PolicyWeights WeightsOf(CandidatePolicy policy, int version, double updateSeconds = 0, int episodesDropped = 0) =>
        new(version, ImmutableCollectionsMarshal.AsImmutableArray((float[])policy.Scorer.Parameters.Clone()),
            ImmutableCollectionsMarshal.AsImmutableArray((float[])policy.Value.Parameters.Clone()), updateSeconds, episodesDropped);

    private PolicyWeights Weights() => WeightsOf(_learner.Policy, _learner.Version, _learner.UpdateSeconds, _dropped);

    private void Take(EpisodeExperience episode)
    {
        if (episode.Sequence < _next) return;
        if (episode.Sequence > _next)
        {
            _early.TryAdd(episode.Sequence, episode); // a repeat (sent again after a move) is the same batch: the first stands
            return;
        }
        Learn(episode);
        while (_early.Remove(_next, out var waiting)) Learn(waiting);
    }

    private void Learn(EpisodeExperience episode)
    {
        _next = episode.Sequence + 1;
        if (_failed) return;
        if (_learner.Version - episode.PolicyVersion > _maxPolicyLag) _dropped++;
        else _learner.Add(new EpisodeSteps(episode.Candidates.ToArray(), episode.Counts.ToArray(), episode.Actions.ToArray(),
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
        if (_statePath is not null)
            Core.AtomicFile.Write(_statePath, stream =>
            {
                using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
                {
                    writer.Write(_next);
                    writer.Write(_dropped);
                }
                _learner.WriteState(stream);
            });
        var weights = Weights();
        foreach (var subscriber in _subscribers) subscriber.Tell(weights);
    }
}
