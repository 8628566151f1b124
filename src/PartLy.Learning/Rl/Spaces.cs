namespace PartLy.Learning.Rl;

/// <summary>A space, as in Gymnasium: what observations or actions look like.</summary>
public abstract record Space;

/// <summary>A box of floats with a fixed shape.</summary>
public sealed record BoxSpace(params int[] Shape) : Space
{
    public int Size
    {
        get
        {
            int size = 1;
            foreach (int n in Shape) size *= n;
            return size;
        }
    }

    public bool Contains(ReadOnlySpan<float> values)
    {
        if (values.Length != Size) return false;
        foreach (float v in values) if (!float.IsFinite(v)) return false;
        return true;
    }
}

/// <summary>
/// A discrete choice among up to <paramref name="MaxCandidates"/> candidates whose count varies per step; each
/// candidate is described by <paramref name="Features"/> floats (Gymnasium's Discrete with an action mask).
/// </summary>
public sealed record CandidateSpace(int MaxCandidates, int Features) : Space
{
    public bool Contains(int action, Observation observation) => action >= 0 && action < MaxCandidates && observation.ActionMask[action];
}

/// <summary>
/// One agent's observation: a feature row per candidate action, and the action mask (the first <see cref="Count"/>
/// candidates are valid, the rest masked). Buffers are reused between steps: copy what must outlive the step.
/// </summary>
public sealed class Observation(int maxCandidates, int features)
{
    private int _count;

    public int MaxCandidates { get; } = maxCandidates;
    public int Features { get; } = features;
    public float[] Candidates { get; } = new float[maxCandidates * features];

    /// <summary>Which actions are valid now (PettingZoo's action_mask).</summary>
    public bool[] ActionMask { get; } = new bool[maxCandidates];

    /// <summary>Valid candidates; setting it sets the mask.</summary>
    public int Count
    {
        get => _count;
        set
        {
            _count = value;
            for (int c = 0; c < ActionMask.Length; c++) ActionMask[c] = c < value;
        }
    }

    public Span<float> Row(int candidate) => Candidates.AsSpan(candidate * Features, Features);
}
