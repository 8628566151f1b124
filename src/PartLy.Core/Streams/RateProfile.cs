using System.Globalization;

namespace PartLy.Core.Streams;

/// <summary>
/// How a synthetic stream's arrival rate changes from batch to batch, on top of its Poisson rate and wave: a step
/// (rate × <c>StepFactor</c> from batch <c>StepBatch</c> on), a spike (rate × <c>SpikeFactor</c> for
/// <c>SpikeLength</c> batches from <c>SpikeBatch</c>) and noise (rate × (1 + <c>Noise</c>·g), g a standard normal
/// drawn per batch from the seed, never below zero). Batches are counted in stream time, a batch being the time the
/// base rate takes to send one batch's tuples.
/// </summary>
public sealed record RateProfile(double StepFactor = 1, long StepBatch = 0, double SpikeFactor = 1, long SpikeBatch = 0, long SpikeLength = 0, double Noise = 0)
{
    public static RateProfile None { get; } = new();

    public bool IsNone => this == None;

    /// <summary>The batch from which the rate no longer changes by step or spike (null without either; noise is not a change).</summary>
    public long? LastChange => SpikeFactor != 1 ? Math.Max(SpikeBatch + SpikeLength, StepFactor != 1 ? StepBatch : 0) : StepFactor != 1 ? StepBatch : null;

    /// <summary>The factor on the rate in batch <paramref name="batch"/> of a stream seeded <paramref name="seed"/>.</summary>
    public double Factor(long batch, ulong seed)
    {
        double factor = 1;
        if (StepFactor != 1 && batch >= StepBatch) factor *= StepFactor;
        if (SpikeFactor != 1 && batch >= SpikeBatch && batch < SpikeBatch + SpikeLength) factor *= SpikeFactor;
        if (Noise > 0) factor *= Math.Max(0, 1 + Noise * Gaussian(seed, batch));
        return factor;
    }

    /// <summary>A standard normal from (seed, batch) alone (Box-Muller on two SplitMix64 draws), so batches are independent of reading order.</summary>
    private static double Gaussian(ulong seed, long batch)
    {
        var rng = new SplitMix64(seed ^ 0x9E37_79B9_7F4A_7C15UL ^ (ulong)batch * 0xBF58_476D_1CE4_E5B9UL);
        double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary><c>F@B</c>: a factor from a batch on.</summary>
    public static (double Factor, long Batch) ParseStep(string text, string where)
    {
        int at = text.IndexOf('@');
        if (at <= 0 || !TryFactor(text[..at], out double factor) || !long.TryParse(text[(at + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out long batch))
            throw new InputException($"'{where}': step={text} is not FACTOR@BATCH (for example step=1.5@100)");
        return (factor, batch);
    }

    /// <summary><c>F@B+N</c>: a factor for N batches from a batch on.</summary>
    public static (double Factor, long Batch, long Length) ParseSpike(string text, string where)
    {
        int at = text.IndexOf('@'), plus = text.IndexOf('+');
        if (at <= 0 || plus < at + 2 || !TryFactor(text[..at], out double factor)
            || !long.TryParse(text[(at + 1)..plus], NumberStyles.None, CultureInfo.InvariantCulture, out long batch)
            || !long.TryParse(text[(plus + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out long length) || length < 1)
            throw new InputException($"'{where}': spike={text} is not FACTOR@BATCH+BATCHES (for example spike=2.6@50+20)");
        return (factor, batch, length);
    }

    private static bool TryFactor(string text, out double factor) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out factor) && factor > 0 && double.IsFinite(factor);
}
