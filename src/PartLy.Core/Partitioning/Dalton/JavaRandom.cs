namespace PartLy.Core.Partitioning.Dalton;

/// <summary>
/// java.util.Random's 48-bit linear congruential generator, so that a seed draws the same explorations and sketch
/// hashes as the Java code it reproduces.
/// </summary>
internal sealed class JavaRandom(long seed)
{
    private const long Multiplier = 0x5DEECE66DL, Addend = 0xBL, Mask = (1L << 48) - 1;
    private long _seed = (seed ^ Multiplier) & Mask;

    private int Next(int bits)
    {
        _seed = unchecked(_seed * Multiplier + Addend) & Mask;
        return (int)((ulong)_seed >> (48 - bits));
    }

    public double NextDouble() => (((long)Next(26) << 27) + Next(27)) * (1.0 / (1L << 53));

    public int NextInt(int bound)
    {
        if (bound <= 0) throw new ArgumentOutOfRangeException(nameof(bound), "bound must be positive");
        int r = Next(31);
        int m = bound - 1;
        if ((bound & m) == 0) return (int)((bound * (long)r) >> 31);
        for (int u = r; unchecked(u - (r = u % bound) + m) < 0; u = Next(31)) { }
        return r;
    }
}
