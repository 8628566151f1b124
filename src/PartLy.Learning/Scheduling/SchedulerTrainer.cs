using PartLy.Core.Scheduling;
using PartLy.Core.Streams;
using PartLy.Learning.Algorithms;
using PartLy.Learning.Policies;

namespace PartLy.Learning.Scheduling;

/// <summary>One training episode of the scheduler: its workload, mean team cost, and (every few episodes) the best rule's on the same stream.</summary>
public sealed record SchedulerEpisode(long Episode, string Workload, int Batches, double TeamCost, long LateBatches, double MeanPartitions, string? BestRule, double? BestRuleTeamCost);

/// <summary>The scheduler's training session.</summary>
/// <param name="Episodes">Episodes (streams of up to the environment's MaxSteps batches).</param>
/// <param name="StepsPerUpdate">Batches between PPO updates.</param>
/// <param name="CompareEvery">Every this many episodes, the rules run on the same stream for the learning curve (0: never).</param>
public sealed record SchedulerTrainingOptions(SchedulingEnvOptions Env, LearnerOptions Learner, int Episodes = 300, ulong Seed = 42, double Gamma = 0.95,
    int StepsPerUpdate = 2048, int CompareEvery = 10);

/// <summary>
/// PPO for the scheduler agent, as CleanRL's ppo.py runs it: collect a fixed number of steps over episodes of the
/// <see cref="SchedulingEnv"/> (a reward per batch, truncated episodes bootstrapped from the critic), then update.
/// The partitioner is frozen (the environment's); the seed fixes the workloads, the actions and the minibatches.
/// </summary>
public sealed class SchedulerTrainer
{
    private readonly SchedulerTrainingOptions _options;

    public SchedulerTrainer(SchedulerTrainingOptions options)
    {
        _options = options;
        Policy = new CandidatePolicy(SchedulerObservation.Features, SchedulerObservation.StateFeatures, SchedulerObservation.MaxCandidates, options.Learner.Hidden,
            (int)(options.Seed % int.MaxValue));
    }

    public CandidatePolicy Policy { get; }

    public SchedulerCheckpoint Checkpoint(long batches) =>
        new(Policy, _options.Env.PartitionerName, _options.Env.Team, _options.Env.Cost, _options.Env.Informed, _options.Learner, _options.Gamma, batches, _options.Seed,
            _options.Env.PartitionerPolicy);

    public SchedulerCheckpoint Train(Action<SchedulerEpisode>? onEpisode = null, CancellationToken cancel = default)
    {
        var env = new SchedulingEnv(_options.Env);
        var ppo = new Ppo(_options.Learner, _options.Seed + 1, _options.Gamma);
        var buffer = new RolloutBuffer(SchedulerObservation.MaxCandidates, SchedulerObservation.Features, SchedulerObservation.StateFeatures);
        var random = new SplitMix64(_options.Seed + 2);
        var state = new float[SchedulerObservation.StateFeatures];
        long batches = 0;
        int totalSteps = _options.Episodes * _options.Env.MaxSteps;
        using (env)
        {
            for (long episode = 0; episode < _options.Episodes && !cancel.IsCancellationRequested; episode++)
            {
                var observation = env.Reset(_options.Seed * 1_000_003 + (ulong)episode);
                double cost = 0;
                long late = 0, slots = 0;
                int steps = 0;
                while (true)
                {
                    env.State(state);
                    int action = Policy.Act(observation, random, greedy: false, out float logProbability);
                    buffer.Add(observation, state, action, logProbability, Policy.EvaluateValue(state));
                    var step = env.Step(action);
                    buffer.RewardLast(step.Reward);
                    cost -= step.Reward;
                    late += step.Timing.Late ? 1 : 0;
                    slots += step.Timing.Partitions;
                    steps++;
                    batches++;
                    if (step.Terminated || step.Truncated)
                    {
                        if (step.Truncated) env.State(state);
                        buffer.EndEpisode(0, step.Truncated ? Policy.EvaluateValue(state) : 0);
                        break;
                    }
                    observation = step.Observation;
                }
                if (buffer.Steps >= _options.StepsPerUpdate || episode == _options.Episodes - 1)
                {
                    ppo.Update(buffer, Policy, Math.Min(1, (double)batches / totalSteps));
                    buffer.Clear();
                }
                var (rule, ruleCost) = _options.CompareEvery > 0 && episode % _options.CompareEvery == 0 ? BestRule(env.Workload!, steps) : (null, (double?)null);
                onEpisode?.Invoke(new SchedulerEpisode(episode, env.Workload!.Spec, steps, cost / steps, late, (double)slots / steps, rule, ruleCost));
            }
        }
        return Checkpoint(batches);
    }

    /// <summary>The rule with the lowest team cost on the episode's stream (its first <paramref name="batches"/> batches).</summary>
    private (string?, double?) BestRule(SchedulingWorkload workload, int batches)
    {
        var env = _options.Env;
        string? best = null;
        double bestCost = double.MaxValue;
        foreach (string name in SchedulerRules.Names)
        {
            var run = SchedulingRun.Run(workload.Stream(), workload.Interval, env.CreatePartitioner(), SchedulerRules.Create(name, env.Cost),
                env.Cost, env.StartPartitions, env.MaxPartitions, maxBatches: batches, migrationCost: workload.MigrationCost, lag: env.Lag, informed: env.Informed);
            double cost = env.Team.Mean(run, workload.Interval.Microseconds, env.StartPartitions);
            if (cost < bestCost) (best, bestCost) = (name, cost);
        }
        return (best, bestCost);
    }
}
