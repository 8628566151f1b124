using PartLy.Learning.Policies;

namespace PartLy.Learning.Algorithms;

/// <summary>
/// REINFORCE with a learned baseline (Williams, 1992): one gradient step over all the buffered steps, minimising
/// <c>−mean(A · log π(a)) − ent_coef · entropy + vf_coef · mean(½(V − return)²)</c> with Monte-Carlo returns (the
/// episode's final reward) and A = return − V normalised over the steps.
/// </summary>
public sealed class Reinforce(LearnerOptions options) : IPolicyGradient
{
    private readonly float _entropyCoefficient = (float)options.EntropyCoefficient;
    private readonly float _valueCoefficient = (float)options.ValueCoefficient;
    private GradientStep? _step;

    public string Name => "REINFORCE";

    public void WriteState(BinaryWriter writer) => GradientStep.Write(writer, _step);

    public void ReadState(BinaryReader reader, CandidatePolicy policy) => _step = GradientStep.Read(reader, policy, options.MaxGradNorm, Name);

    public UpdateStats Update(RolloutBuffer buffer, CandidatePolicy policy, double progress)
    {
        _step ??= new GradientStep(policy, options.MaxGradNorm, Name);
        int steps = buffer.Steps;
        if (steps == 0) return new UpdateStats(0, 0, 0, 0, 0, 0);
        buffer.ComputeAdvantages(lambda: 1.0);
        double learningRate = GradientStep.LearningRate(options, progress);
        var all = GradientStep.Steps(steps);
        var advantages = new float[steps];
        GradientStep.Normalise(buffer, all, advantages);
        _step.Clear();
        float inverse = 1f / steps;
        double policyLoss = 0, valueLoss = 0, entropySum = 0;
        for (int s = 0; s < steps; s++)
        {
            var candidates = buffer.Candidates(s);
            int count = buffer.Count(s), action = buffer.Action(s);
            var (logProbability, entropy) = policy.EvaluateActions(candidates, count, action);
            policy.BackpropagatePolicy(candidates, count, action, advantages[s] * inverse, _entropyCoefficient * inverse, _step.PolicyGradient);
            float value = policy.EvaluateValue(buffer.State(s));
            float target = buffer.Return(s);
            policy.BackpropagateValue(_valueCoefficient * inverse * (value - target), _step.ValueGradient);
            policyLoss += -advantages[s] * logProbability;
            valueLoss += 0.5 * (value - target) * (value - target);
            entropySum += entropy;
        }
        double norm = _step.Apply(learningRate);
        return GradientStep.Checked(new UpdateStats(policyLoss / steps, valueLoss / steps, entropySum / steps, 0, 0, norm), policy, Name);
    }
}
