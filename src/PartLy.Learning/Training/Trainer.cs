using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;
using PartLy.Core.Streams;
using PartLy.Learning.Rl;
using PartLy.Learning.Scenarios;

namespace PartLy.Learning.Training;

/// <summary>What a training session is.</summary>
public sealed record TrainingOptions(
    string Scenario, InformationMode Mode, CostWeights Weights, LearnerOptions Learner, int Batches, ulong Seed, CostModel? Cost = null,
    double Slack = 0)
{
    /// <summary>What the scenario's world is made of under these options.</summary>
    public ScenarioOptions ScenarioOptions => new(Mode, Weights, Cost, Slack);
}

/// <summary>Time a training run spent placing batches (episodes, with the policy's decisions) and updating the policy.</summary>
public sealed record TrainingTime(double PlacingSeconds, double UpdateSeconds)
{
    public static double Seconds(long stopwatchTicks) => stopwatchTicks / (double)System.Diagnostics.Stopwatch.Frequency;
}

/// <summary>One training episode (one batch), for the learning curve; <paramref name="ReferenceReward"/> is what the
/// capacity-aware online greedy earned on the same batch.</summary>
public sealed record EpisodeRecord(long Episode, double Reward, double ReferenceReward, double Imbalance, double Replication, int Decisions, int Partitions);

/// <summary>
/// The training loop: one episode per batch; the policy samples actions at each decision; every few episodes the
/// learner updates the weights from the buffered steps. Stops with <see cref="TrainingDivergedException"/> on
/// non-finite numbers. Same seed and feed, same weights.
/// </summary>
public sealed class Trainer
{
    private readonly TrainingOptions _options;
    private readonly IScenario _scenario;
    private readonly IPolicyGradient _learner;
    private readonly RolloutBuffer _buffer;
    private readonly SplitMix64 _random;

    public Trainer(TrainingOptions options)
    {
        if (options.Batches < 1) throw new InputException($"--batches must be at least 1, got {options.Batches}");
        if (options.Learner.EpisodesPerUpdate < 1) throw new InputException("--episodes-per-update must be at least 1");
        _options = options;
        _scenario = ScenarioRegistry.Create(options.Scenario);
        var space = _scenario.ActionSpace;
        Policy = NewPolicy(_scenario, options);
        _learner = new PolicyGradient(options.Learner, LearnerSeed(options.Seed));
        _buffer = NewBuffer(_scenario);
        _random = new SplitMix64(ActionSeed(options.Seed));
    }

    /// <summary>The freshly initialised policy of a training session (the same for a seed wherever training runs).</summary>
    public static CandidatePolicy NewPolicy(IScenario scenario, TrainingOptions options) =>
        new(scenario.ActionSpace.Features, scenario.GlobalFeatures, scenario.ActionSpace.MaxCandidates, options.Learner.Hidden, (int)(options.Seed % int.MaxValue));

    public static RolloutBuffer NewBuffer(IScenario scenario) =>
        new(scenario.ActionSpace.MaxCandidates, scenario.ActionSpace.Features, scenario.GlobalFeatures);

    /// <summary>Seed of the learner's minibatch shuffling.</summary>
    public static ulong LearnerSeed(ulong seed) => seed ^ 0xA5A5_5A5Aul;

    /// <summary>Seed of the action sampling.</summary>
    public static ulong ActionSeed(ulong seed) => seed ^ 0x0DDB_1A5Eul;

    /// <summary>Whether the learner updates after this episode (0-based) of a session of <paramref name="batches"/>.</summary>
    public static bool ClosesUpdateWindow(long episode, long batches, int episodesPerUpdate) =>
        (episode + 1) % episodesPerUpdate == 0 || episode == batches - 1;

    public CandidatePolicy Policy { get; }

    /// <summary>Where the last <see cref="Run"/> spent its time: playing episodes (placing batches) and updating the policy.</summary>
    public TrainingTime Time { get; private set; } = new(0, 0);

    public Checkpoint Run(IBatchFeed feed, string trainedOn, Action<EpisodeRecord>? onEpisode = null, CancellationToken cancel = default)
    {
        using var env = new PartitionEnv(_scenario, feed, _options.ScenarioOptions, scoreReference: true);
        long episode = 0, placing = 0, updating = 0;
        for (; episode < _options.Batches; episode++)
        {
            if (cancel.IsCancellationRequested) break;
            int stepsBefore = _buffer.Steps;
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            var (decisions, reward) = EpisodeRunner.Play(env, Policy, _random, _buffer);
            placing += System.Diagnostics.Stopwatch.GetTimestamp() - started;
            if (_buffer.Steps > stepsBefore) _buffer.EndEpisode(reward);
            var metrics = env.World.LastMetrics;
            onEpisode?.Invoke(new EpisodeRecord(episode, reward, env.ReferenceReward, metrics.SizeImbalance, metrics.Replication, decisions, metrics.Partitions));
            if (ClosesUpdateWindow(episode, _options.Batches, _options.Learner.EpisodesPerUpdate))
            {
                long updateStarted = System.Diagnostics.Stopwatch.GetTimestamp();
                _learner.Update(_buffer, Policy, (double)(episode + 1) / _options.Batches);
                updating += System.Diagnostics.Stopwatch.GetTimestamp() - updateStarted;
                _buffer.Clear();
            }
        }
        Time = new TrainingTime(TrainingTime.Seconds(placing), TrainingTime.Seconds(updating));
        return new Checkpoint(_options.Scenario, _options.Mode, _options.Weights, _options.Learner, Policy, episode, _options.Seed, trainedOn, _options.Slack);
    }
}
