using PartLy.Core.Hashing;
using PartLy.Core.Sketches;

namespace PartLy.Core.Scheduling;

/// <summary>
/// What an informed scheduler is told of a batch at its close, before its tasks start: its size, an estimate of its
/// distinct keys (linear counting over <see cref="Bits"/> bits, within a few percent up to about twice as many keys)
/// and the estimated counts of its heaviest keys, most frequent first (SpaceSaving over <see cref="Counters"/>
/// counters: never below the true counts).
/// </summary>
public sealed record BatchSketch(int Tuples, double DistinctKeys, IReadOnlyList<long> Heaviest)
{
    public const int Bits = 1 << 14;
    public const int Counters = 16;

    /// <summary>The heaviest key's share of the batch (0 for an empty batch).</summary>
    public double TopShare => Tuples == 0 || Heaviest.Count == 0 ? 0 : (double)Heaviest[0] / Tuples;

    public static BatchSketch Of(ReadOnlySpan<int> keys)
    {
        var bits = new ulong[Bits / 64];
        var heavy = new SpaceSaving(Counters);
        foreach (int key in keys)
        {
            int bit = Murmur3.Range(Murmur3.Hash(key, 0x5ca1ab1e), Bits);
            bits[bit >> 6] |= 1UL << (bit & 63);
            heavy.Offer(key);
        }
        int set = 0;
        foreach (ulong word in bits) set += System.Numerics.BitOperations.PopCount(word);
        // Linear counting (Whang et al. 1990): n ≈ −m·ln(zero share); a full bitmap says "at least m·ln m".
        double distinct = set == Bits ? Bits * Math.Log(Bits) : -Bits * Math.Log(1 - (double)set / Bits);
        var top = heavy.HeavyHitters(1);
        var counts = new long[top.Count];
        for (int i = 0; i < counts.Length; i++) counts[i] = top[i].Count;
        return new BatchSketch(keys.Length, distinct, counts);
    }
}
