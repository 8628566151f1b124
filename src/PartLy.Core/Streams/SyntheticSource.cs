namespace PartLy.Core.Streams;

/// <summary>How the hot set of a synthetic stream moves over time.</summary>
/// <param name="EveryTuples">Length of one drift period in tuples.</param>
/// <param name="Shift">How many ranks the rank-to-key mapping moves per period.</param>
/// <param name="Gradual">False: the whole shift happens at the period boundary; true: one rank at a time across the period.</param>
public sealed record Drift(long EveryTuples, int Shift, bool Gradual);

/// <summary>Arrival times for a synthetic stream: Poisson arrivals at a rate that may swing sinusoidally.</summary>
/// <param name="TuplesPerSecond">Mean arrival rate.</param>
/// <param name="Wave">Relative amplitude of the rate swing (0 = steady).</param>
/// <param name="PeriodSeconds">Period of the swing.</param>
public sealed record Arrivals(double TuplesPerSecond, double Wave, double PeriodSeconds);

/// <summary>
/// Zipf(z) over <c>keys</c> keys (z = 0 is uniform). Key ids are a seeded random permutation of the ranks, so the
/// hottest key is not key 0 and hash partitioners get no easy ride.
/// </summary>
public sealed class SyntheticSource : ITupleSource
{
    private readonly double[] _cdf;
    private readonly int[] _rankToKey;
    private readonly SplitMix64 _rng;
    private readonly long _tuples;
    private readonly Drift? _drift;
    private readonly Arrivals? _arrivals;
    private long _emitted;
    private double _clockSeconds;

    public SyntheticSource(string description, int keys, double exponent, long tuples, ulong seed, Drift? drift = null, Arrivals? arrivals = null)
    {
        if (keys < 1) throw new InputException($"keys must be at least 1, got {keys}");
        if (exponent < 0 || double.IsNaN(exponent)) throw new InputException($"z must be 0 or more, got {exponent}");
        if (tuples < 1) throw new InputException($"tuples must be at least 1, got {tuples}");
        Description = description;
        _tuples = tuples;
        _drift = drift;
        _arrivals = arrivals;
        _rng = new SplitMix64(seed);
        _rankToKey = new int[keys];
        for (int i = 0; i < keys; i++) _rankToKey[i] = i;
        new SplitMix64(seed ^ 0x5eed_5eed_5eedUL).Shuffle(_rankToKey);
        _cdf = new double[keys];
        double sum = 0;
        for (int r = 0; r < keys; r++) { sum += Math.Pow(r + 1, -exponent); _cdf[r] = sum; }
        for (int r = 0; r < keys; r++) _cdf[r] /= sum;
        _cdf[keys - 1] = 1.0;
    }

    public string Description { get; }
    public bool HasTimestamps => _arrivals is not null;
    public int Keys => _rankToKey.Length;

    /// <summary>The probability of the key at each rank, hottest first.</summary>
    public double Probability(int rank) => rank == 0 ? _cdf[0] : _cdf[rank] - _cdf[rank - 1];

    public int Read(Span<int> keys, Span<long> timestamps)
    {
        int n = (int)Math.Min(keys.Length, _tuples - _emitted);
        int k = _rankToKey.Length;
        for (int i = 0; i < n; i++)
        {
            int rank = SampleRank(_rng.NextDouble());
            long offset = DriftOffset(_emitted + i);
            keys[i] = _rankToKey[(int)((rank + offset) % k)];
            if (_arrivals is not null) timestamps[i] = NextArrivalMilliseconds();
        }
        _emitted += n;
        return n;
    }

    private int SampleRank(double u)
    {
        int index = Array.BinarySearch(_cdf, u);
        return index >= 0 ? index : ~index;
    }

    private long DriftOffset(long tuple)
    {
        if (_drift is null) return 0;
        long period = tuple / _drift.EveryTuples;
        long offset = period * _drift.Shift;
        if (_drift.Gradual) offset += (tuple % _drift.EveryTuples) * _drift.Shift / _drift.EveryTuples;
        return offset;
    }

    private long NextArrivalMilliseconds()
    {
        var a = _arrivals!;
        double rate = a.TuplesPerSecond * (1 + a.Wave * Math.Sin(2 * Math.PI * _clockSeconds / a.PeriodSeconds));
        _clockSeconds += -Math.Log(1 - _rng.NextDouble()) / Math.Max(rate, 1e-9);
        return (long)(_clockSeconds * 1000);
    }

    public void Dispose() { }
}
