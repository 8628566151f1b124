using PartLy.Learning.Algorithms;
using PartLy.Learning.Policies;

namespace PartLy.Learning.Training;

/// <summary>
/// The learner every runtime uses: gathers episodes into a rollout buffer and updates the policy with the session's
/// algorithm when an episode closes an update window; each update is a new version of the weights.
/// </summary>
public sealed class Learner
{
    private readonly IPolicyGradient _algorithm;
    private readonly RolloutBuffer _buffer;
    private long _updateTicks;

    /// <param name="version">The version of the weights it starts from.</param>
    public Learner(TrainingOptions options, CandidatePolicy policy, int version = 0)
    {
        Version = version;
        Options = options;
        Policy = policy;
        _algorithm = PolicyGradients.Create(options.Learner, Trainer.LearnerSeed(options.Seed));
        _buffer = new RolloutBuffer(policy.MaxCandidates, policy.Features, policy.Globals);
    }

    public TrainingOptions Options { get; }
    public CandidatePolicy Policy { get; }
    public int Version { get; private set; }

    /// <summary>Time spent in updates so far.</summary>
    public double UpdateSeconds => TrainingTime.Seconds(_updateTicks);

    /// <summary>The updates a session of <paramref name="batches"/> makes.</summary>
    public static int Updates(long batches, int episodesPerUpdate) => (int)(batches / episodesPerUpdate + (batches % episodesPerUpdate != 0 ? 1 : 0));

    /// <summary>Whether the learner updates after this episode (0-based) of the session.</summary>
    public bool ClosesWindow(long episode) => ClosesWindow(episode, Options.Batches, Options.Learner.EpisodesPerUpdate);

    /// <summary>Whether an update follows this episode (0-based) of a session of <paramref name="batches"/>.</summary>
    public static bool ClosesWindow(long episode, long batches, int episodesPerUpdate) =>
        (episode + 1) % episodesPerUpdate == 0 || episode == batches - 1;

    public void Add(EpisodeSteps steps, double reward)
    {
        if (steps.Steps > 0) _buffer.AddEpisode(steps, reward);
    }

    /// <summary>Updates the policy from the buffered episodes; <paramref name="progress"/> is the fraction of training done.</summary>
    public UpdateStats Update(double progress)
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        var stats = _algorithm.Update(_buffer, Policy, progress);
        _updateTicks += System.Diagnostics.Stopwatch.GetTimestamp() - started;
        _buffer.Clear();
        Version++;
        return stats;
    }
}
