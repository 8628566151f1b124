using PartLy.Core;
using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;
using PartLy.Core.Partitioning.Reserving;
using PartLy.Learning.Algorithms;
using PartLy.Learning.Policies;
using PartLy.Learning.Rl;
using PartLy.Learning.Scenarios;

namespace PartLy.Learning.Training;

/// <summary>What a training session is.</summary>
public sealed record TrainingOptions(
    string Scenario, InformationMode Mode, CostWeights Weights, LearnerOptions Learner, int Batches, ulong Seed, CostModel? Cost = null,
    double Slack = 0)
{
    /// <summary>What the scenario's process is made of under these options.</summary>
    public ScenarioOptions ScenarioOptions => new(Mode, Weights, Cost, Slack);
}

/// <summary>Time a training run spent placing batches (episodes, with the policy's decisions) and updating the policy.</summary>
public sealed record TrainingTime(double PlacingSeconds, double UpdateSeconds)
{
    public static double Seconds(long stopwatchTicks) => stopwatchTicks / (double)System.Diagnostics.Stopwatch.Frequency;
}

/// <summary>One training episode (one batch), for the learning curve; <paramref name="ReferenceReward"/> is what the
/// rules alone (the strategy reserving) earned on the same batch; <paramref name="Cell"/> names the stream (workload
/// and P) the batch came from.</summary>
public sealed record EpisodeRecord(long Episode, double Reward, double ReferenceReward, double Imbalance, double Replication, int Decisions, int Partitions, string Cell = "");

/// <summary>
/// The direct training loop: one episode per batch played by a <see cref="RolloutWorker"/>, its steps handed to the
/// <see cref="Learner"/>, which updates the weights when an episode closes an update window. Stops with
/// <see cref="TrainingDivergedException"/> on non-finite numbers. Same seed and feed, same weights.
/// </summary>
public sealed class Trainer
{
    private readonly TrainingOptions _options;
    private readonly IScenario _scenario;
    private readonly Learner _learner;

    /// <param name="initial">Weights to start from (a resumed run), else a fresh policy from the seed.</param>
    public Trainer(TrainingOptions options, CandidatePolicy? initial = null)
    {
        if (options.Batches < 1) throw new InputException($"training batches must be at least 1, got {options.Batches}");
        if (options.Learner.EpisodesPerUpdate < 1) throw new InputException("episodes per update must be at least 1");
        _options = options;
        _scenario = ScenarioRegistry.Create(options.Scenario);
        Policy = NewPolicy(_scenario, options);
        if (initial is not null)
        {
            if (initial.Scorer.Parameters.Length != Policy.Scorer.Parameters.Length || initial.Value.Parameters.Length != Policy.Value.Parameters.Length)
                throw new InputException("the weights to start from do not fit the session's network");
            initial.Scorer.Parameters.CopyTo(Policy.Scorer.Parameters);
            initial.Value.Parameters.CopyTo(Policy.Value.Parameters);
        }
        _learner = new Learner(options, Policy);
    }

    /// <summary>The freshly initialised policy of a training session (the same for a seed wherever training runs).</summary>
    public static CandidatePolicy NewPolicy(IScenario scenario, TrainingOptions options) =>
        new(scenario.ActionSpace.Features, scenario.StateFeatures, scenario.ActionSpace.MaxCandidates, options.Learner.Hidden, (int)(options.Seed % int.MaxValue));

    /// <summary>Seed of the learner's minibatch shuffling.</summary>
    public static ulong LearnerSeed(ulong seed) => seed ^ 0xA5A5_5A5Aul;

    /// <summary>Seed of the action sampling (of lane <paramref name="lane"/> when several agents share the stream; lane 0's is the single agent's).</summary>
    public static ulong ActionSeed(ulong seed, int lane = 0) => (seed ^ 0x0DDB_1A5Eul) + (ulong)lane * 0x9E37_79B9_7F4A_7C15ul;

    /// <summary>
    /// The training environment of a session: the scenario on the feed, with the reward of the rules alone (the
    /// strategy reserving with the session's slack, mode and locality, taking the first candidate) on each batch, so
    /// that a learning curve shows what the learned choice adds.
    /// </summary>
    public static IParallelEnv TrainingEnv(IScenario scenario, IBatchFeed feed, TrainingOptions options) =>
        new ReferenceScore(new PartitionEnv(scenario, feed, options.ScenarioOptions),
            () => new ReservingPartitioner(PartitionerScenario.PartitionerOptions(options.ScenarioOptions)), options.Weights, options.Cost);

    public CandidatePolicy Policy { get; }

    /// <summary>Where the last <see cref="Run"/> spent its time: playing episodes (placing batches) and updating the policy.</summary>
    public TrainingTime Time { get; private set; } = new(0, 0);

    /// <summary>The policy as it stands, after <paramref name="trainedBatches"/> batches, as a checkpoint.</summary>
    public Checkpoint Snapshot(long trainedBatches, string trainedOn) =>
        new(_options.Scenario, _options.Mode, _options.Weights, _options.Learner, Policy, trainedBatches, _options.Seed, trainedOn, _options.Slack);

    public Checkpoint Run(IBatchFeed feed, string trainedOn, Action<EpisodeRecord>? onEpisode = null, CancellationToken cancel = default)
    {
        using var env = TrainingEnv(_scenario, feed, _options);
        var worker = new RolloutWorker(env, Policy, ActionSeed(_options.Seed), training: true);
        long episode = 0, placing = 0;
        for (; episode < _options.Batches; episode++)
        {
            if (cancel.IsCancellationRequested) break;
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            var outcome = worker.PlayEpisode();
            placing += System.Diagnostics.Stopwatch.GetTimestamp() - started;
            if (outcome.Steps is { } steps) _learner.Add(steps, outcome.Reward);
            var m = outcome.Metrics;
            onEpisode?.Invoke(new EpisodeRecord(episode, outcome.Reward, outcome.ReferenceReward, m.SizeImbalance, m.Replication, outcome.Decisions, m.Partitions,
                env.Current!.Stream));
            if (_learner.ClosesWindow(episode)) _learner.Update((double)(episode + 1) / _options.Batches);
        }
        Time = new TrainingTime(TrainingTime.Seconds(placing), _learner.UpdateSeconds);
        return Snapshot(episode, trainedOn);
    }
}
