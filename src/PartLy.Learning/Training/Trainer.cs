using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;
using PartLy.Core.Streams;
using PartLy.Learning.Rl;
using PartLy.Learning.Scenarios;

namespace PartLy.Learning.Training;

/// <summary>What a training session is.</summary>
public sealed record TrainingOptions(
    string Scenario, InformationMode Mode, CostWeights Weights, LearnerOptions Learner, int Batches, ulong Seed, CostModel? Cost = null);

/// <summary>One training episode (one batch), for the learning curve.</summary>
public sealed record EpisodeRecord(long Episode, double Reward, double Imbalance, double Replication, int Decisions, int Partitions);

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
        Policy = new CandidatePolicy(space.Features, _scenario.GlobalFeatures, space.MaxCandidates, options.Learner.Hidden, (int)(options.Seed % int.MaxValue));
        _learner = new PolicyGradient(options.Learner, options.Seed ^ 0xA5A5_5A5Aul);
        _buffer = new RolloutBuffer(space.MaxCandidates, space.Features, _scenario.GlobalFeatures);
        _random = new SplitMix64(options.Seed ^ 0x0DDB_1A5Eul);
    }

    public CandidatePolicy Policy { get; }
    public UpdateStats? LastUpdate { get; private set; }

    public Checkpoint Run(IBatchFeed feed, string trainedOn, Action<EpisodeRecord>? onEpisode = null, CancellationToken cancel = default)
    {
        using var env = new PartitionEnv(_scenario, feed, new ScenarioOptions(_options.Mode, _options.Weights, _options.Cost));
        int pending = 0;
        long episode = 0;
        for (; episode < _options.Batches; episode++)
        {
            if (cancel.IsCancellationRequested) break;
            int stepsBefore = _buffer.Steps;
            var (decisions, reward) = EpisodeRunner.Play(env, Policy, _random, _buffer);
            if (_buffer.Steps > stepsBefore) _buffer.EndEpisode(reward);
            var metrics = env.World.LastMetrics;
            onEpisode?.Invoke(new EpisodeRecord(episode, reward, metrics.SizeImbalance, metrics.Replication, decisions, metrics.Partitions));
            if (++pending == _options.Learner.EpisodesPerUpdate || episode == _options.Batches - 1)
            {
                LastUpdate = _learner.Update(_buffer, Policy, (double)(episode + 1) / _options.Batches);
                _buffer.Clear();
                pending = 0;
            }
        }
        return new Checkpoint(_options.Scenario, _options.Mode, _options.Weights, _options.Learner, Policy, episode, _options.Seed, trainedOn);
    }
}
