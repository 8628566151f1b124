namespace PartLy.Core.Partitioning.Dalton;

/// <summary>
/// The Count-Min sketch of the Dalton code: width ⌈2/ε⌉, depth ⌈log2(1/(1 − confidence))⌉, hashes a·x with the
/// multipliers drawn by java.util.Random from its seed, reduced as the Java code does (doubled, masked to 31 bits,
/// modulo the width).
/// </summary>
internal sealed class CountMinSketch
{
    private readonly int _width, _depth;
    private readonly int[] _table;
    private readonly int[] _multipliers;

    public CountMinSketch(double epsilon, double confidence, long seed)
    {
        _width = (int)Math.Ceiling(2 / epsilon);
        _depth = (int)Math.Ceiling(-Math.Log(1 - confidence) / Math.Log(2));
        _table = new int[_width * _depth];
        _multipliers = new int[_depth];
        var random = new JavaRandom(seed);
        for (int i = 0; i < _depth; i++) _multipliers[i] = random.NextInt(int.MaxValue);
    }

    public int Width => _width;
    public int Depth => _depth;

    /// <summary>Adds one occurrence of <paramref name="item"/> and returns its estimated count.</summary>
    public int AddAndEstimate(int item)
    {
        int estimate = int.MaxValue;
        for (int i = 0; i < _depth; i++)
        {
            // Java's "hash += hash >> 32" shifts an int by 32 mod 32 = 0 bits: it doubles the product.
            int hash = unchecked(_multipliers[i] * item);
            hash = unchecked(hash + hash) & int.MaxValue;
            estimate = Math.Min(estimate, ++_table[i * _width + hash % _width]);
        }
        return estimate;
    }

    public void Clear() => Array.Clear(_table);
}
