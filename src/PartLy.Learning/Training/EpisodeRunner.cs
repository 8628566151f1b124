using PartLy.Core.Streams;
using PartLy.Learning.Rl;

namespace PartLy.Learning.Training;

/// <summary>
/// Plays one episode (one batch) of an environment with a policy: samples an action at every decision (or takes the
/// most likely one), and records each step in a rollout buffer when given one. The caller closes the episode with
/// its reward, so the reward may come from elsewhere (the partition actors' reports).
/// </summary>
public static class EpisodeRunner
{
    /// <summary>Returns the number of decisions and the environment's own reward for the batch.</summary>
    public static (int Decisions, double Reward) Play(PartitionEnv env, CandidatePolicy policy, SplitMix64 random, RolloutBuffer? buffer, bool greedy = false)
    {
        string agent = env.Agents[0];
        var actions = new Dictionary<string, int>(1);
        if (!env.Reset(out var observations)) return (0, env.LastReward);
        int decisions = 0;
        while (true)
        {
            var observation = observations[agent];
            int action = policy.Act(observation, random, greedy, out float logProbability);
            buffer?.Add(observation, action, logProbability, policy.EstimateValue(observation.Global));
            actions[agent] = action;
            decisions++;
            var step = env.Step(actions);
            if (step.Terminations[agent]) return (decisions, step.Rewards[agent]);
            observations = step.Observations;
        }
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
