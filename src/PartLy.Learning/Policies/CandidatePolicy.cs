using PartLy.Core.Streams;
using PartLy.Learning.Algorithms;
using PartLy.Learning.Nn;
using PartLy.Learning.Rl;

namespace PartLy.Learning.Policies;

/// <summary>
/// A policy over a variable set of candidate actions: one shared network scores every candidate from its features,
/// and a softmax over the scores is the action distribution. Because it scores candidates rather than emitting one
/// output per block, the same weights serve any number of blocks P. A separate value network reads the global state
/// (the critic). As Stable-Baselines3's policies do, it acts, evaluates stored actions (log-probability, entropy,
/// value), and back-propagates a gradient the algorithm gives it; the loss is the algorithm's.
/// </summary>
public sealed class CandidatePolicy
{
    private readonly float[] _activations;
    private readonly float[] _valueActivations;
    private readonly float[] _scratch;
    private readonly float[] _scoreScratch;
    private readonly float[] _valueScratch;
    private readonly float[] _scores;
    private readonly float[] _probabilities;
    private float _entropy;

    public CandidatePolicy(int features, int globals, int maxCandidates, int hidden = 16, int seed = 1)
    {
        Features = features;
        Globals = globals;
        MaxCandidates = maxCandidates;
        Hidden = hidden;
        Scorer = new Mlp(features, hidden, hidden, 1);
        Value = new Mlp(globals, hidden * 2, hidden * 2, 1);
        Scorer.InitialiseOrthogonal(seed, 0.01);
        Value.InitialiseOrthogonal(seed + 1, 1.0);
        _activations = Scorer.NewActivations();
        _valueActivations = Value.NewActivations();
        _scratch = Scorer.NewScratch();
        _scoreScratch = Scorer.NewScoreScratch(maxCandidates);
        _valueScratch = Value.NewScratch();
        _scores = new float[maxCandidates];
        _probabilities = new float[maxCandidates];
    }

    public int Features { get; }
    public int Globals { get; }
    public int MaxCandidates { get; }
    public int Hidden { get; }
    public Mlp Scorer { get; }
    public Mlp Value { get; }

    /// <summary>Softmax over the scores of the first <paramref name="count"/> candidates into <paramref name="probabilities"/>.</summary>
    public void Distribution(ReadOnlySpan<float> candidates, int count, Span<float> probabilities)
    {
        Scorer.Score(candidates, count, _scores, _scoreScratch);
        float max = float.NegativeInfinity;
        for (int c = 0; c < count; c++) if (_scores[c] > max) max = _scores[c];
        float sum = 0;
        for (int c = 0; c < count; c++) { probabilities[c] = MathF.Exp(_scores[c] - max); sum += probabilities[c]; }
        for (int c = 0; c < count; c++) probabilities[c] /= sum;
    }

    /// <summary>
    /// Samples an action and returns its log-probability; when <paramref name="greedy"/> (or without a generator), takes
    /// the highest-scoring action and reports log-probability 0 without computing the distribution.
    /// </summary>
    public int Act(Observation observation, SplitMix64? random, bool greedy, out float logProbability)
    {
        int count = observation.Count;
        if (count == 1 || greedy || random is null)
        {
            logProbability = 0;
            return Best(observation.Candidates, count);
        }
        Distribution(observation.Candidates, count, _probabilities);
        double u = random.NextDouble(), cumulative = 0;
        int action = count - 1;
        for (int c = 0; c < count; c++)
        {
            cumulative += _probabilities[c];
            if (u < cumulative) { action = c; break; }
        }
        logProbability = MathF.Log(Math.Max(_probabilities[action], 1e-30f));
        return action;
    }

    /// <summary>The fastest decision for routing: the highest score, no softmax.</summary>
    public int Best(ReadOnlySpan<float> candidates, int count)
    {
        if (count == 1) return 0;
        Scorer.Score(candidates, count, _scores, _scoreScratch);
        int best = 0;
        for (int c = 1; c < count; c++)
            if (_scores[c] > _scores[best]) best = c;
        return best;
    }

    /// <summary>
    /// log π(action) and the entropy H(π) of a stored step under the current weights (0 and 0 when there was a
    /// single candidate). The distribution is kept for <see cref="BackpropagatePolicy"/>.
    /// </summary>
    public (float LogProbability, float Entropy) EvaluateActions(ReadOnlySpan<float> candidates, int count, int action)
    {
        if (count == 1) return (0, 0);
        Distribution(candidates, count, _probabilities);
        float entropy = 0;
        for (int c = 0; c < count; c++)
            if (_probabilities[c] > 0) entropy -= _probabilities[c] * MathF.Log(_probabilities[c]);
        _entropy = entropy;
        return (MathF.Log(Math.Max(_probabilities[action], 1e-30f)), entropy);
    }

    /// <summary>
    /// For the step last evaluated: adds to <paramref name="gradient"/> the gradient of
    /// −(<paramref name="logProbabilityWeight"/> · log π(action) + <paramref name="entropyWeight"/> · H(π)).
    /// </summary>
    public void BackpropagatePolicy(ReadOnlySpan<float> candidates, int count, int action, float logProbabilityWeight, float entropyWeight, Span<float> gradient)
    {
        if (count == 1) return;
        Span<float> dScore = stackalloc float[1];
        for (int c = 0; c < count; c++)
        {
            float p = _probabilities[c];
            float logP = MathF.Log(Math.Max(p, 1e-30f));
            float dLogPi = (c == action ? 1 : 0) - p;
            float dEntropy = -p * (logP + _entropy);
            dScore[0] = -(logProbabilityWeight * dLogPi + entropyWeight * dEntropy);
            if (dScore[0] == 0) continue;
            Scorer.Forward(candidates.Slice(c * Features, Features), _activations);
            Scorer.Backward(dScore, _activations, gradient, _scratch);
        }
    }

    /// <summary>V(state), with the activations kept for <see cref="BackpropagateValue"/>.</summary>
    public float EvaluateValue(ReadOnlySpan<float> state) => Value.Forward(state, _valueActivations)[0];

    /// <summary>For the state last evaluated: adds <paramref name="valueGradient"/> · ∂V/∂weights to <paramref name="gradient"/>.</summary>
    public void BackpropagateValue(float valueGradient, Span<float> gradient)
    {
        Span<float> d = stackalloc float[1];
        d[0] = valueGradient;
        Value.Backward(d, _valueActivations, gradient, _valueScratch);
    }

    public static void ThrowIfNotFinite(float[] parameters, string what)
    {
        foreach (float p in parameters)
            if (!float.IsFinite(p)) throw new TrainingDivergedException($"the {what} network has non-finite weights");
    }
}
