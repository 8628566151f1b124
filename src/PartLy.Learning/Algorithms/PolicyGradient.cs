using PartLy.Core;
using PartLy.Learning.Nn;
using PartLy.Learning.Policies;

namespace PartLy.Learning.Algorithms;

/// <summary>Hyperparameters of the policy-gradient learners (defaults as CleanRL and Stable-Baselines3 use them).</summary>
public sealed record LearnerOptions(
    string Algorithm = "ppo",
    double LearningRate = 3e-4,
    bool AnnealLearningRate = true,
    int Epochs = 4,
    int Minibatches = 4,
    double Clip = 0.2,
    double GaeLambda = 0.95,
    double EntropyCoefficient = 0.01,
    double ValueCoefficient = 0.5,
    double MaxGradNorm = 0.5,
    int EpisodesPerUpdate = 32,
    int Hidden = 16)
{
    public static IReadOnlyList<string> Algorithms { get; } = ["ppo", "reinforce"];
}

/// <summary>What one update did, for logs and divergence checks.</summary>
public sealed record UpdateStats(double PolicyLoss, double ValueLoss, double Entropy, double ApproxKl, double ClipFraction, double GradientNorm);

/// <summary>A policy-gradient learner: turns a rollout buffer into weight updates.</summary>
public interface IPolicyGradient
{
    string Name { get; }
    /// <param name="progress">Fraction of training done, in [0, 1], for annealing.</param>
    UpdateStats Update(RolloutBuffer buffer, CandidatePolicy policy, double progress);

    /// <summary>Writes what the next updates depend on besides the policy (optimiser moments, the shuffling generator).</summary>
    void WriteState(BinaryWriter writer);

    /// <summary>Goes on from what <see cref="WriteState"/> wrote, for <paramref name="policy"/>.</summary>
    void ReadState(BinaryReader reader, CandidatePolicy policy);
}

public static class PolicyGradients
{
    /// <summary>
    /// The learner named by <see cref="LearnerOptions.Algorithm"/>; <paramref name="seed"/> drives its minibatch
    /// shuffling; <paramref name="offPolicy"/>: its episodes may come from older weights (asynchronous learning, PPO only).
    /// </summary>
    public static IPolicyGradient Create(LearnerOptions options, ulong seed, bool offPolicy = false) => options.Algorithm switch
    {
        "ppo" => new Ppo(options, seed, offPolicy: offPolicy),
        "reinforce" when offPolicy => throw new InputException("asynchronous learning corrects stale episodes with PPO's V-trace: reinforce learns synchronously only"),
        "reinforce" => new Reinforce(options),
        _ => throw new InputException($"algorithm '{options.Algorithm}' is not one of {string.Join(", ", LearnerOptions.Algorithms)}"),
    };
}

/// <summary>
/// The gradient step both learners take: the policy's and the value network's gradients clipped together to a
/// global norm, then one Adam step each.
/// </summary>
internal sealed class GradientStep(CandidatePolicy policy, double maxGradNorm, string learner)
{
    private readonly Adam _scorerAdam = new(policy.Scorer.Parameters.Length);
    private readonly Adam _valueAdam = new(policy.Value.Parameters.Length);

    public float[] PolicyGradient { get; } = new float[policy.Scorer.Parameters.Length];
    public float[] ValueGradient { get; } = new float[policy.Value.Parameters.Length];

    /// <summary>The learning rate, annealed linearly to 5% of its start when the options say so.</summary>
    public static double LearningRate(LearnerOptions options, double progress) =>
        options.AnnealLearningRate ? options.LearningRate * Math.Max(1 - progress, 0.05) : options.LearningRate;

    /// <summary>The step indices 0 … n − 1.</summary>
    public static int[] Steps(int n)
    {
        var steps = new int[n];
        for (int i = 0; i < n; i++) steps[i] = i;
        return steps;
    }

    /// <summary>Writes both optimisers' state (null: no step taken yet).</summary>
    public static void Write(BinaryWriter writer, GradientStep? step)
    {
        writer.Write(step is not null);
        if (step is null) return;
        step._scorerAdam.Write(writer);
        step._valueAdam.Write(writer);
    }

    /// <summary>Reads what <see cref="Write"/> wrote: the step with its optimisers, or null.</summary>
    public static GradientStep? Read(BinaryReader reader, CandidatePolicy policy, double maxGradNorm, string learner)
    {
        if (!reader.ReadBoolean()) return null;
        var step = new GradientStep(policy, maxGradNorm, learner);
        step._scorerAdam.Read(reader);
        step._valueAdam.Read(reader);
        return step;
    }

    public void Clear()
    {
        Array.Clear(PolicyGradient);
        Array.Clear(ValueGradient);
    }

    /// <summary>Applies the accumulated gradients; returns their norm before clipping.</summary>
    public double Apply(double learningRate)
    {
        var (scale, norm) = Adam.ClipScale(maxGradNorm, PolicyGradient, ValueGradient);
        if (!double.IsFinite(norm)) throw new TrainingDivergedException($"{learner}: the gradient norm is {norm}");
        _scorerAdam.Step(policy.Scorer.Parameters, PolicyGradient, learningRate, scale);
        _valueAdam.Step(policy.Value.Parameters, ValueGradient, learningRate, scale);
        return norm;
    }

    /// <summary>Advantages of <paramref name="steps"/> normalised to mean 0 and standard deviation 1 (unchanged for a single step).</summary>
    public static void Normalise(RolloutBuffer buffer, ReadOnlySpan<int> steps, Span<float> normalised)
    {
        int size = steps.Length;
        double mean = 0, sq = 0;
        foreach (int s in steps) mean += buffer.Advantage(s);
        mean /= size;
        foreach (int s in steps) { double d = buffer.Advantage(s) - mean; sq += d * d; }
        float std = (float)Math.Sqrt(sq / size) + 1e-8f;
        for (int j = 0; j < size; j++)
            normalised[j] = size > 1 ? (float)((buffer.Advantage(steps[j]) - mean) / std) : buffer.Advantage(steps[j]);
    }

    public static UpdateStats Checked(UpdateStats stats, CandidatePolicy policy, string learner)
    {
        if (!double.IsFinite(stats.PolicyLoss) || !double.IsFinite(stats.ValueLoss))
            throw new TrainingDivergedException($"{learner}: the loss is not finite (policy {stats.PolicyLoss}, value {stats.ValueLoss})");
        CandidatePolicy.ThrowIfNotFinite(policy.Scorer.Parameters, "policy");
        CandidatePolicy.ThrowIfNotFinite(policy.Value.Parameters, "value");
        return stats;
    }
}

/// <summary>Training produced non-finite numbers; nothing is written from that point on.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
