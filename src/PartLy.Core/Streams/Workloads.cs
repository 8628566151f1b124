namespace PartLy.Core.Streams;

/// <summary>The synthetic workload generators by name, built from a <see cref="Spec"/>.</summary>
public static class Workloads
{
    public static readonly string[] Names = ["zipf", "uniform", "drift"];

    /// <summary>Builds a synthetic source.</summary>
    /// <param name="text">For example <c>zipf:z=1.5,keys=10000</c>, <c>uniform:keys=1000</c>,
    /// <c>drift:z=1.2,keys=10000,every=50,shift=20,mode=gradual</c>; any of them may add <c>rate=</c> (tuples per
    /// second, for time-based batches), <c>wave=</c> and <c>period=</c> (a sinusoidal swing of the rate).</param>
    /// <param name="tuples">Stream length.</param>
    /// <param name="seed">Seed of the key permutation and the sampling.</param>
    /// <param name="tuplesPerBatch">How many tuples one batch holds on average, to express drift periods in batches.</param>
    public static SyntheticSource Create(string text, long tuples, ulong seed, double tuplesPerBatch)
    {
        var spec = Spec.Parse("--workload", text);
        string[] common = ["keys", "rate", "wave", "period"];
        int keys = spec.Int("keys", 10_000, 1, 100_000_000);
        Arrivals? arrivals = null;
        if (spec.Has("rate"))
            arrivals = new Arrivals(spec.Double("rate", 0, 1e-3, 1e12), spec.Double("wave", 0, 0, 0.99), spec.Double("period", 10, 1e-3, 1e9));
        else if (spec.Has("wave") || spec.Has("period"))
            throw new InputException($"--workload '{text}': wave= and period= need rate=");
        SyntheticSource source;
        switch (spec.Name)
        {
            case "zipf":
                source = new SyntheticSource(spec.Text, keys, spec.Double("z", 1.0, 0, 20), tuples, seed, null, arrivals);
                spec.EnsureAllRead([.. common, "z"]);
                break;
            case "uniform":
                source = new SyntheticSource(spec.Text, keys, 0, tuples, seed, null, arrivals);
                spec.EnsureAllRead(common);
                break;
            case "drift":
                int every = spec.Int("every", 100, 1);
                var drift = new Drift(Math.Max(1, (long)Math.Round(every * tuplesPerBatch)), spec.Int("shift", 10, 1, keys),
                    spec.Choice("mode", "abrupt", "abrupt", "gradual") == "gradual");
                source = new SyntheticSource(spec.Text, keys, spec.Double("z", 1.0, 0, 20), tuples, seed, drift, arrivals);
                spec.EnsureAllRead([.. common, "z", "every", "shift", "mode"]);
                break;
            default:
                throw new InputException($"--workload: unknown generator '{spec.Name}' (allowed: {string.Join(", ", Names)})");
        }
        return source;
    }
}
