using PartLy.Core.Streams;
using PartLy.Learning.Nn;
using PartLy.Learning.Rl;

namespace PartLy.Learning.Training;

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
    int Hidden = 16);

/// <summary>What one update did, for logs and divergence checks.</summary>
public sealed record UpdateStats(double PolicyLoss, double ValueLoss, double Entropy, double ApproxKl, double ClipFraction, double GradientNorm);

/// <summary>A policy-gradient learner: turns a rollout buffer into weight updates.</summary>
public interface IPolicyGradient
{
    string Name { get; }
    /// <param name="progress">Fraction of training done, in [0, 1], for annealing.</param>
    UpdateStats Update(RolloutBuffer buffer, CandidatePolicy policy, double progress);
}

/// <summary>
/// PPO with the clipped objective: GAE(γ = 1, λ) advantages normalised per minibatch, several epochs of shuffled
/// minibatches, entropy bonus, value loss, global gradient-norm clipping, linearly annealed learning rate.
/// REINFORCE with a learned baseline is the same update with one epoch, one minibatch, λ = 1 and no clipping.
/// </summary>
public sealed class PolicyGradient : IPolicyGradient
{
    private readonly LearnerOptions _options;
    private readonly bool _clipped;
    private readonly SplitMix64 _random;
    private Adam? _scorerAdam, _valueAdam;
    private float[] _scorerGradient = [], _valueGradient = [];

    public PolicyGradient(LearnerOptions options, ulong seed)
    {
        _options = options;
        _random = new SplitMix64(seed);
        _clipped = options.Algorithm switch
        {
            "ppo" => true,
            "reinforce" => false,
            _ => throw new InputException($"--algo '{options.Algorithm}' is not one of ppo, reinforce"),
        };
    }

    public string Name => _clipped ? "PPO" : "REINFORCE";

    public UpdateStats Update(RolloutBuffer buffer, CandidatePolicy policy, double progress)
    {
        if (_scorerAdam is null)
        {
            _scorerAdam = new Adam(policy.Scorer.Parameters.Length);
            _valueAdam = new Adam(policy.Value.Parameters.Length);
            _scorerGradient = new float[policy.Scorer.Parameters.Length];
            _valueGradient = new float[policy.Value.Parameters.Length];
        }
        int steps = buffer.Steps;
        if (steps == 0) return new UpdateStats(0, 0, 0, 0, 0, 0);
        buffer.ComputeAdvantages(_clipped ? _options.GaeLambda : 1.0);
        double lr = _options.AnnealLearningRate ? _options.LearningRate * Math.Max(1 - progress, 0.05) : _options.LearningRate;
        int epochs = _clipped ? _options.Epochs : 1;
        int minibatches = _clipped ? Math.Min(_options.Minibatches, steps) : 1;
        var order = new int[steps];
        for (int i = 0; i < steps; i++) order[i] = i;
        double policyLoss = 0, valueLoss = 0, entropySum = 0, kl = 0, clipped = 0, norm = 0;
        int samples = 0, updates = 0;
        float clip = (float)_options.Clip;
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            _random.Shuffle(order);
            for (int mb = 0; mb < minibatches; mb++)
            {
                int from = mb * steps / minibatches, to = (mb + 1) * steps / minibatches;
                int size = to - from;
                if (size == 0) continue;
                double mean = 0, sq = 0;
                for (int j = from; j < to; j++) mean += buffer.Advantage(order[j]);
                mean /= size;
                for (int j = from; j < to; j++) { double d = buffer.Advantage(order[j]) - mean; sq += d * d; }
                float std = (float)Math.Sqrt(sq / size) + 1e-8f;
                Array.Clear(_scorerGradient);
                Array.Clear(_valueGradient);
                float inverse = 1f / size;
                for (int j = from; j < to; j++)
                {
                    int s = order[j];
                    float advantage = size > 1 ? (float)((buffer.Advantage(s) - mean) / std) : buffer.Advantage(s);
                    float oldLog = buffer.LogProbability(s);
                    float ratioSeen = 1, logSeen = oldLog;
                    var (_, entropy) = policy.AccumulatePolicyGradient(buffer.Candidates(s), buffer.Count(s), buffer.Action(s), newLog =>
                    {
                        logSeen = newLog;
                        if (!_clipped) return advantage * inverse;
                        float ratio = MathF.Exp(newLog - oldLog);
                        ratioSeen = ratio;
                        bool active = advantage >= 0 ? ratio < 1 + clip : ratio > 1 - clip;
                        return active ? advantage * ratio * inverse : 0f;
                    }, (float)_options.EntropyCoefficient * inverse, _scorerGradient);
                    float r = ratioSeen;
                    policyLoss += _clipped ? -Math.Min(r * advantage, Math.Clamp(r, 1 - clip, 1 + clip) * advantage) : -advantage * logSeen;
                    kl += (r - 1) - Math.Log(Math.Max(r, 1e-30));
                    if (Math.Abs(r - 1) > clip) clipped++;
                    entropySum += entropy;
                    float target = buffer.Return(s);
                    float v = policy.AccumulateValueGradient(buffer.Globals(s), target, (float)_options.ValueCoefficient * inverse, _valueGradient);
                    valueLoss += 0.5 * (v - target) * (v - target);
                    samples++;
                }
                var (scale, gradientNorm) = Adam.ClipScale(_options.MaxGradNorm, _scorerGradient, _valueGradient);
                if (!double.IsFinite(gradientNorm)) throw new TrainingDivergedException($"{Name}: the gradient norm is {gradientNorm}");
                norm += gradientNorm;
                updates++;
                _scorerAdam.Step(policy.Scorer.Parameters, _scorerGradient, lr, scale);
                _valueAdam!.Step(policy.Value.Parameters, _valueGradient, lr, scale);
            }
        }
        var stats = new UpdateStats(policyLoss / samples, valueLoss / samples, entropySum / samples, kl / samples, clipped / samples, norm / Math.Max(updates, 1));
        if (!double.IsFinite(stats.PolicyLoss) || !double.IsFinite(stats.ValueLoss))
            throw new TrainingDivergedException($"{Name}: the loss is not finite (policy {stats.PolicyLoss}, value {stats.ValueLoss})");
        CandidatePolicy.ThrowIfNotFinite(policy.Scorer.Parameters, "policy");
        CandidatePolicy.ThrowIfNotFinite(policy.Value.Parameters, "value");
        return stats;
    }
}

/// <summary>Training produced non-finite numbers; nothing is written from that point on.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
