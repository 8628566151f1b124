using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Event;
using PartLy.Learning.Rl;
using PartLy.Learning.Training;

namespace PartLy.Actors;

/// <summary>Learner to subscribers: training cannot go on.</summary>
public sealed record LearnerFailed(string Reason) : IPartLyMessage;

/// <summary>Anyone to learner: reply with the current <see cref="PolicyWeights"/>.</summary>
public sealed record GetWeights : IPartLyMessage
{
    public static GetWeights Instance { get; } = new();
}

/// <summary>
/// The policy-gradient learner: collects the agents' episodes in a rollout buffer, updates its master copy of the
/// policy when an episode closes an update window, and publishes the new weights (versioned) to its subscribers.
/// </summary>
public sealed class LearnerActor : ReceiveActor
{
    private readonly CandidatePolicy _policy;
    private readonly IPolicyGradient _algorithm;
    private readonly RolloutBuffer _buffer;
    private readonly HashSet<IActorRef> _subscribers = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private int _version;
    private long _updateTicks;
    private bool _failed;

    public LearnerActor(CandidatePolicy policy, IPolicyGradient algorithm, RolloutBuffer buffer)
    {
        _policy = policy;
        _algorithm = algorithm;
        _buffer = buffer;
        Receive<SubscribeWeights>(_ =>
        {
            _subscribers.Add(Sender);
            Context.Watch(Sender);
        });
        Receive<Terminated>(t => _subscribers.Remove(t.ActorRef));
        Receive<GetWeights>(_ => Sender.Tell(Weights()));
        Receive<EpisodeExperience>(Learn);
    }

    /// <param name="policy">The learner's own copy; it owns it from now on.</param>
    public static Props Props(CandidatePolicy policy, IPolicyGradient algorithm, RolloutBuffer buffer) =>
        Akka.Actor.Props.Create(() => new LearnerActor(policy, algorithm, buffer));

    public static PolicyWeights WeightsOf(CandidatePolicy policy, int version, double updateSeconds = 0) =>
        new(version, ImmutableCollectionsMarshal.AsImmutableArray((float[])policy.Scorer.Parameters.Clone()),
            ImmutableCollectionsMarshal.AsImmutableArray((float[])policy.Value.Parameters.Clone()), updateSeconds);

    private PolicyWeights Weights() => WeightsOf(_policy, _version, TrainingTime.Seconds(_updateTicks));

    private void Learn(EpisodeExperience episode)
    {
        if (_failed) return;
        if (episode.Steps > 0)
        {
            var candidates = episode.Candidates.AsSpan();
            var globals = episode.Globals.AsSpan();
            int row = 0, width = _buffer.Features, g = _buffer.GlobalFeatures;
            for (int s = 0; s < episode.Steps; s++)
            {
                int count = episode.Counts[s];
                _buffer.Add(candidates.Slice(row * width, count * width), count, globals.Slice(s * g, g),
                    episode.Actions[s], episode.LogProbabilities[s], episode.Values[s]);
                row += count;
            }
            _buffer.EndEpisode(episode.Reward);
        }
        if (!episode.UpdateNow) return;
        try
        {
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            _algorithm.Update(_buffer, _policy, episode.Progress);
            _updateTicks += System.Diagnostics.Stopwatch.GetTimestamp() - started;
        }
        catch (TrainingDivergedException e)
        {
            _failed = true;
            _log.Error("Training diverged: {Reason}", e.Message);
            foreach (var subscriber in _subscribers) subscriber.Tell(new LearnerFailed(e.Message));
            return;
        }
        _buffer.Clear();
        _version++;
        var weights = Weights();
        foreach (var subscriber in _subscribers) subscriber.Tell(weights);
    }
}
