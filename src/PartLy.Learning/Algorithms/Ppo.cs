using PartLy.Core.Streams;
using PartLy.Learning.Policies;

namespace PartLy.Learning.Algorithms;

/// <summary>
/// PPO with the clipped objective (Schulman et al., 2017), in the order of CleanRL's ppo.py: advantages by GAE, then
/// several epochs of shuffled minibatches, each minimising
/// <c>pg_loss − ent_coef · entropy + vf_coef · v_loss</c> with
/// <c>pg_loss = mean(max(−A·ratio, −A·clip(ratio, 1 − ε, 1 + ε)))</c>, <c>ratio = exp(log π_new − log π_old)</c>,
/// <c>v_loss = mean(½(V − return)²)</c>; advantages normalised per minibatch, gradients clipped to a global norm,
/// the learning rate annealed linearly. The partitioner's episode has its only reward at its end (γ = 1); the
/// scheduler's pays every step, discounted by <paramref name="gamma"/>. <paramref name="offPolicy"/> (asynchronous
/// learning, as APPO): the steps may come from older weights, so advantages and returns are V-trace's (ρ̄ = c̄ = 1)
/// instead of GAE's, and the clipped ratio is taken against the weights the update starts from.
/// </summary>
public sealed class Ppo(LearnerOptions options, ulong seed, double gamma = 1, bool offPolicy = false) : IPolicyGradient
{
    // Hyperparameters.
    private readonly float _clip = (float)options.Clip;
    private readonly float _entropyCoefficient = (float)options.EntropyCoefficient;
    private readonly float _valueCoefficient = (float)options.ValueCoefficient;
    private readonly SplitMix64 _random = new(seed);
    private GradientStep? _step;

    public string Name => "PPO";

    public void WriteState(BinaryWriter writer)
    {
        writer.Write(_random.State);
        GradientStep.Write(writer, _step);
    }

    public void ReadState(BinaryReader reader, CandidatePolicy policy)
    {
        _random.State = reader.ReadUInt64();
        _step = GradientStep.Read(reader, policy, options.MaxGradNorm, Name);
    }

    private void CorrectOffPolicy(RolloutBuffer buffer, CandidatePolicy policy)
    {
        var logProbabilities = new float[buffer.Steps];
        var values = new float[buffer.Steps];
        for (int s = 0; s < buffer.Steps; s++)
        {
            logProbabilities[s] = policy.EvaluateActions(buffer.Candidates(s), buffer.Count(s), buffer.Action(s)).LogProbability;
            values[s] = policy.EvaluateValue(buffer.State(s));
        }
        buffer.ComputeVTrace(logProbabilities, values, options.GaeLambda, gamma);
    }

    public UpdateStats Update(RolloutBuffer buffer, CandidatePolicy policy, double progress)
    {
        _step ??= new GradientStep(policy, options.MaxGradNorm, Name);
        int steps = buffer.Steps;
        if (steps == 0) return new UpdateStats(0, 0, 0, 0, 0, 0);
        if (offPolicy) CorrectOffPolicy(buffer, policy);
        else buffer.ComputeAdvantages(options.GaeLambda, gamma);
        double learningRate = GradientStep.LearningRate(options, progress);
        int minibatches = Math.Min(options.Minibatches, steps);
        var order = GradientStep.Steps(steps);
        var advantages = new float[steps];
        double policyLoss = 0, valueLoss = 0, entropySum = 0, approxKl = 0, clipped = 0, norm = 0;
        int updates = 0;
        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            _random.Shuffle(order);
            for (int mb = 0; mb < minibatches; mb++)
            {
                var minibatch = order.AsSpan(mb * steps / minibatches, (mb + 1) * steps / minibatches - mb * steps / minibatches);
                if (minibatch.Length == 0) continue;
                GradientStep.Normalise(buffer, minibatch, advantages);
                _step.Clear();
                float inverse = 1f / minibatch.Length;
                for (int j = 0; j < minibatch.Length; j++)
                {
                    int s = minibatch[j];
                    float advantage = advantages[j];
                    var candidates = buffer.Candidates(s);
                    int count = buffer.Count(s), action = buffer.Action(s);

                    var (newLogProbability, entropy) = policy.EvaluateActions(candidates, count, action);
                    float ratio = MathF.Exp(newLogProbability - buffer.LogProbability(s));
                    float pgLoss = -Math.Min(ratio * advantage, Math.Clamp(ratio, 1 - _clip, 1 + _clip) * advantage);
                    // ∂pg_loss/∂log π: −A·ratio while the unclipped term is the smaller one, else 0.
                    bool unclipped = advantage >= 0 ? ratio < 1 + _clip : ratio > 1 - _clip;
                    float logProbabilityWeight = unclipped ? advantage * ratio * inverse : 0f;
                    policy.BackpropagatePolicy(candidates, count, action, logProbabilityWeight, _entropyCoefficient * inverse, _step.PolicyGradient);

                    float value = policy.EvaluateValue(buffer.State(s));
                    float target = buffer.Return(s);
                    policy.BackpropagateValue(_valueCoefficient * inverse * (value - target), _step.ValueGradient);

                    policyLoss += pgLoss;
                    valueLoss += 0.5 * (value - target) * (value - target);
                    entropySum += entropy;
                    approxKl += (ratio - 1) - Math.Log(Math.Max(ratio, 1e-30));
                    if (Math.Abs(ratio - 1) > _clip) clipped++;
                }
                norm += _step.Apply(learningRate);
                updates++;
            }
        }
        int samples = steps * options.Epochs;
        return GradientStep.Checked(new UpdateStats(policyLoss / samples, valueLoss / samples, entropySum / samples, approxKl / samples,
            clipped / samples, norm / Math.Max(updates, 1)), policy, Name);
    }
}
