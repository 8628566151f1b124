using PartLy.Core.Metrics;
using PartLy.Core.Streams;
using PartLy.Learning.Algorithms;
using PartLy.Learning.Policies;
using PartLy.Learning.Rl;

namespace PartLy.Learning.Training;

/// <summary>What one episode (one batch) gave: its reward, the reference's reward on the same batch, the batch's
/// metrics, the decisions, and (training) the steps for the learner.</summary>
public sealed record EpisodeOutcome(double Reward, double ReferenceReward, BatchMetrics Metrics, int Decisions, EpisodeSteps? Steps, ReadOnlyMemory<int> Blocks);

/// <summary>
/// The rollout loop every runtime uses (Stable-Baselines3's collect_rollouts, one episode at a time): plays an
/// episode of an environment with a policy, sampling an action at every decision (or, not training, taking the most
/// likely one) and recording each step with the critic's value of the state. The direct loop and the agent actor
/// both call it.
/// </summary>
public sealed class RolloutWorker
{
    private readonly IParallelEnv _env;
    private readonly CandidatePolicy _policy;
    private readonly SplitMix64 _random;
    private readonly RolloutBuffer? _buffer;
    private readonly Dictionary<string, int> _actions = [];

    /// <param name="training">Sample actions and record steps (else act greedily and record nothing).</param>
    public RolloutWorker(IParallelEnv env, CandidatePolicy policy, ulong actionSeed, bool training)
    {
        _env = env;
        _policy = policy;
        _random = new SplitMix64(actionSeed);
        if (training) _buffer = new RolloutBuffer(policy.MaxCandidates, policy.Features, policy.Globals);
    }

    public IParallelEnv Env => _env;

    public EpisodeOutcome PlayEpisode()
    {
        var (observations, infos) = _env.Reset();
        _buffer?.Clear();
        while (_env.Agents.Count > 0)
        {
            foreach (string agent in _env.Agents)
            {
                var observation = observations[agent];
                int action = _policy.Act(observation, _random, greedy: _buffer is null, out float logProbability);
                if (_buffer is not null)
                {
                    var state = _env.State();
                    _buffer.Add(observation, state, action, logProbability, _policy.EvaluateValue(state));
                }
                _actions[agent] = action;
            }
            var step = _env.Step(_actions);
            observations = step.Observations;
            infos = step.Infos;
        }
        var info = infos[_env.PossibleAgents[0]];
        var end = info.Episode!;
        return new EpisodeOutcome(end.Reward, info.ReferenceReward, end.Metrics, end.Decisions, _buffer is { Steps: > 0 } ? _buffer.Export() : null, end.Blocks);
    }
}

/// <summary>A feed that hands the environment exactly the batch pushed into it (for callers that receive batches).</summary>
public sealed class PushFeed : IBatchFeed
{
    private FeedItem? _next;

    public void Push(FeedItem item) => _next = item;

    public FeedItem? Next()
    {
        var item = _next ?? throw new InvalidOperationException("no batch was pushed");
        _next = null;
        return item;
    }

    public void Dispose() { }
}
