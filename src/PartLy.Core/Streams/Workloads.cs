namespace PartLy.Core.Streams;

/// <summary>
/// A synthetic workload, parsed once from its text: <c>zipf:z=1.5,keys=10000</c>, <c>uniform:keys=1000</c>,
/// <c>drift:z=1.2,keys=10000,every=50,shift=20,mode=gradual</c>; any of them may add <c>rate=</c> (tuples per second,
/// for time-based batches), <c>wave=</c> and <c>period=</c> (a sinusoidal swing of the rate), and a rate profile in
/// batches (<see cref="RateProfile"/>): <c>step=F@B</c>, <c>spike=F@B+N</c>, <c>noise=X</c>. Defaults: keys 10,000,
/// z 1.0, every 100 batches, shift 10 ranks, mode abrupt, period 10 s.
/// </summary>
public sealed record WorkloadSpec(string Text, string Generator, int Keys, double Z, Arrivals? Arrivals, int DriftEvery, int DriftShift, bool Gradual)
{
    public static readonly string[] Generators = ["zipf", "uniform", "drift"];

    public static WorkloadSpec Parse(string text)
    {
        var spec = Spec.Parse(text);
        string[] common = ["keys", "rate", "wave", "period", "step", "spike", "noise"];
        int keys = spec.Int("keys", 10_000, 1, 100_000_000);
        Arrivals? arrivals = null;
        if (spec.Has("rate"))
        {
            arrivals = new Arrivals(spec.Double("rate", 0, 1e-3, 1e12), spec.Double("wave", 0, 0, 0.99), spec.Double("period", 10, 1e-3, 1e9));
            var profile = RateProfile.None;
            if (spec.Raw("step") is string step) { var (f, b) = RateProfile.ParseStep(step, text); profile = profile with { StepFactor = f, StepBatch = b }; }
            if (spec.Raw("spike") is string spike) { var (f, b, n) = RateProfile.ParseSpike(spike, text); profile = profile with { SpikeFactor = f, SpikeBatch = b, SpikeLength = n }; }
            if (spec.Has("noise")) profile = profile with { Noise = spec.Double("noise", 0, 0, 10) };
            if (!profile.IsNone) arrivals = arrivals with { Profile = profile };
        }
        else if (spec.Has("wave") || spec.Has("period") || spec.Has("step") || spec.Has("spike") || spec.Has("noise"))
            throw new InputException($"'{text}': wave=, period=, step=, spike= and noise= need rate=");
        WorkloadSpec parsed;
        switch (spec.Name)
        {
            case "zipf":
                parsed = new(spec.Text, "zipf", keys, spec.Double("z", 1.0, 0, 20), arrivals, 0, 0, false);
                spec.EnsureAllRead([.. common, "z"]);
                break;
            case "uniform":
                parsed = new(spec.Text, "uniform", keys, 0, arrivals, 0, 0, false);
                spec.EnsureAllRead(common);
                break;
            case "drift":
                parsed = new(spec.Text, "drift", keys, spec.Double("z", 1.0, 0, 20), arrivals, spec.Int("every", 100, 1), spec.Int("shift", 10, 1, keys),
                    spec.Choice("mode", "abrupt", "abrupt", "gradual") == "gradual");
                spec.EnsureAllRead([.. common, "z", "every", "shift", "mode"]);
                break;
            default:
                throw new InputException($"unknown generator '{spec.Name}' (allowed: {string.Join(", ", Generators)})");
        }
        return parsed;
    }

    /// <summary>
    /// Tuples one batch holds on average, to express a drift period in batches: the batch size, or for a time
    /// interval the workload's rate times the interval (1,000 tuples per second without a rate).
    /// </summary>
    public double TuplesPerBatch(BatchPolicy policy) => policy switch
    {
        BatchPolicy.ByCount count => count.Tuples,
        BatchPolicy.ByInterval interval => Math.Max(1, (Arrivals?.TuplesPerSecond ?? 1000) * interval.Microseconds / 1e6),
        _ => throw new ArgumentOutOfRangeException(nameof(policy)),
    };

    /// <summary>The source: <paramref name="tuples"/> long, seeded; drift periods in batches of <paramref name="tuplesPerBatch"/>.</summary>
    public SyntheticSource Create(long tuples, ulong seed, double tuplesPerBatch)
    {
        var drift = Generator == "drift" ? new Drift(Math.Max(1, (long)Math.Round(DriftEvery * tuplesPerBatch)), DriftShift, Gradual) : null;
        var arrivals = Arrivals is { Profile: not null } a ? a with { BatchSeconds = tuplesPerBatch / a.TuplesPerSecond } : Arrivals;
        return new SyntheticSource(Text, Keys, Z, tuples, seed, drift, arrivals);
    }
}

/// <summary>The synthetic workload generators by name.</summary>
public static class Workloads
{
    public static IReadOnlyList<string> Names => WorkloadSpec.Generators;

    /// <summary>Builds a synthetic source from its text (<see cref="WorkloadSpec"/>).</summary>
    public static SyntheticSource Create(string text, long tuples, ulong seed, double tuplesPerBatch) =>
        WorkloadSpec.Parse(text).Create(tuples, seed, tuplesPerBatch);
}
