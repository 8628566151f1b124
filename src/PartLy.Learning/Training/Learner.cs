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
    /// <param name="offPolicy">Episodes may come from older weights than the learner's (asynchronous learning): the update corrects for it.</param>
    public Learner(TrainingOptions options, CandidatePolicy policy, int version = 0, bool offPolicy = false)
    {
        Version = version;
        Options = options;
        Policy = policy;
        _algorithm = PolicyGradients.Create(options.Learner, Trainer.LearnerSeed(options.Seed), offPolicy);
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

    private const string StateFormat = "partly-learner-state/1";

    /// <summary>
    /// Writes what the learner needs to go on as if it had never stopped, between updates (the buffer is empty then):
    /// the version, the policy's parameters and the algorithm's state.
    /// </summary>
    public void WriteState(Stream stream)
    {
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        writer.Write(StateFormat);
        writer.Write(Version);
        writer.Write(_updateTicks);
        foreach (var parameters in new[] { Policy.Scorer.Parameters, Policy.Value.Parameters })
        {
            writer.Write(parameters.Length);
            foreach (float x in parameters) writer.Write(x);
        }
        _algorithm.WriteState(writer);
    }

    /// <summary>Goes on from what <see cref="WriteState"/> wrote (for a learner of the same session).</summary>
    public void ReadState(Stream stream)
    {
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        string format = reader.ReadString();
        if (format != StateFormat) throw new InvalidDataException($"not a learner state ({format})");
        Version = reader.ReadInt32();
        _updateTicks = reader.ReadInt64();
        foreach (var parameters in new[] { Policy.Scorer.Parameters, Policy.Value.Parameters })
        {
            int n = reader.ReadInt32();
            if (n != parameters.Length) throw new InvalidDataException($"learner state for {n} parameters, this network has {parameters.Length}");
            for (int i = 0; i < n; i++) parameters[i] = reader.ReadSingle();
        }
        _algorithm.ReadState(reader, Policy);
    }

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
