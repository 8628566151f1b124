namespace PartLy.Learning.Rl;

/// <summary>A space, as in Gymnasium: what observations or actions look like.</summary>
public abstract record Space;

/// <summary>A box of floats with a fixed shape.</summary>
public sealed record BoxSpace(params int[] Shape) : Space
{
    public int Size => Shape.Aggregate(1, (a, b) => a * b);
}

/// <summary>
/// A discrete choice among up to <paramref name="MaxCandidates"/> candidates whose count varies per step; each
/// candidate is described by <paramref name="Features"/> floats (Gymnasium's Discrete with an action mask).
/// </summary>
public sealed record CandidateSpace(int MaxCandidates, int Features) : Space;

/// <summary>
/// One agent's observation: a feature row per candidate action (the first <see cref="Count"/> rows are valid, the
/// rest are masked) and a vector of global features for the value function. Buffers are reused between steps:
/// copy what must outlive the step.
/// </summary>
public sealed class Observation(int maxCandidates, int features, int globals)
{
    public int MaxCandidates { get; } = maxCandidates;
    public int Features { get; } = features;
    public float[] Candidates { get; } = new float[maxCandidates * features];
    public float[] Global { get; } = new float[globals];
    public int Count { get; set; }

    /// <summary>False when nobody reads the global features (routing with a trained policy), to save their cost.</summary>
    public bool NeedsGlobals { get; init; } = true;

    public Span<float> Row(int candidate) => Candidates.AsSpan(candidate * Features, Features);
}
