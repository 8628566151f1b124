namespace PartLy.Core.Streams;

/// <summary>How the hot set of a synthetic stream moves over time.</summary>
/// <param name="EveryTuples">Length of one drift period in tuples.</param>
/// <param name="Shift">How many ranks the rank-to-key mapping moves per period.</param>
/// <param name="Gradual">False: the whole shift happens at the period boundary; true: one rank at a time across the period.</param>
public sealed record Drift(long EveryTuples, int Shift, bool Gradual);

/// <summary>Arrival times for a synthetic stream: Poisson arrivals at a rate that may swing sinusoidally and follow a <see cref="RateProfile"/>.</summary>
/// <param name="TuplesPerSecond">Mean arrival rate.</param>
/// <param name="Wave">Relative amplitude of the rate swing (0 = steady).</param>
/// <param name="PeriodSeconds">Period of the swing.</param>
/// <param name="Profile">Steps, spikes and noise per batch (none by default).</param>
/// <param name="BatchSeconds">The length of a batch for the profile's batch numbers (the time the base rate takes to send a batch).</param>
public sealed record Arrivals(double TuplesPerSecond, double Wave, double PeriodSeconds, RateProfile? Profile = null, double BatchSeconds = 1);

/// <summary>
/// Zipf(z) over <c>keys</c> keys (z = 0 is uniform). Key ids are a seeded random permutation of the ranks, so the
/// hottest key is not key 0 and hash partitioners get no easy ride.
/// </summary>
public sealed class SyntheticSource : ITupleSource
{
    private readonly double[] _probability;
    private readonly double[] _aliasThreshold;
    private readonly int[] _alias;
    private readonly int[] _rankToKey;
    private readonly SplitMix64 _rng;
    private readonly long _tuples;
    private readonly Drift? _drift;
    private readonly Arrivals? _arrivals;
    private long _emitted;
    private double _clockSeconds;
    private readonly ulong _seed;

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
        _seed = seed;
        _rankToKey = new int[keys];
        for (int i = 0; i < keys; i++) _rankToKey[i] = i;
        new SplitMix64(seed ^ 0x5eed_5eed_5eedUL).Shuffle(_rankToKey);
        _probability = new double[keys];
        double sum = 0;
        for (int r = 0; r < keys; r++) { _probability[r] = Math.Pow(r + 1, -exponent); sum += _probability[r]; }
        for (int r = 0; r < keys; r++) _probability[r] /= sum;
        (_aliasThreshold, _alias) = BuildAliasTable(_probability);
    }

    public string Description { get; }
    public bool HasTimestamps => _arrivals is not null;
    public int Keys => _rankToKey.Length;

    /// <summary>The probability of the key at each rank, hottest first.</summary>
    public double Probability(int rank) => _probability[rank];

    /// <summary>Vose's alias method: a rank is drawn in O(1) with one uniform variate.</summary>
    private static (double[] Threshold, int[] Alias) BuildAliasTable(double[] probability)
    {
        int n = probability.Length;
        var threshold = new double[n];
        var alias = new int[n];
        var small = new Stack<int>();
        var large = new Stack<int>();
        var scaled = new double[n];
        for (int i = n - 1; i >= 0; i--)
        {
            scaled[i] = probability[i] * n;
            (scaled[i] < 1 ? small : large).Push(i);
        }
        while (small.Count > 0 && large.Count > 0)
        {
            int s = small.Pop(), l = large.Pop();
            threshold[s] = scaled[s];
            alias[s] = l;
            scaled[l] = scaled[l] + scaled[s] - 1;
            (scaled[l] < 1 ? small : large).Push(l);
        }
        while (large.Count > 0) { int l = large.Pop(); threshold[l] = 1; alias[l] = l; }
        while (small.Count > 0) { int s = small.Pop(); threshold[s] = 1; alias[s] = s; }
        return (threshold, alias);
    }

    public int Read(Span<int> keys, Span<long> timestamps)
    {
        int n = (int)Math.Min(keys.Length, _tuples - _emitted);
        int k = _rankToKey.Length;
        for (int i = 0; i < n; i++)
        {
            int rank = SampleRank(_rng.NextDouble());
            long offset = DriftOffset(_emitted + i);
            keys[i] = _rankToKey[(int)((rank + offset) % k)];
            if (_arrivals is not null) timestamps[i] = NextArrivalMicroseconds();
        }
        _emitted += n;
        return n;
    }

    private int SampleRank(double u)
    {
        double scaled = u * _alias.Length;
        int column = (int)scaled;
        return scaled - column < _aliasThreshold[column] ? column : _alias[column];
    }

    private long DriftOffset(long tuple)
    {
        if (_drift is null) return 0;
        long period = tuple / _drift.EveryTuples;
        long offset = period * _drift.Shift;
        if (_drift.Gradual) offset += (tuple % _drift.EveryTuples) * _drift.Shift / _drift.EveryTuples;
        return offset;
    }

    private long NextArrivalMicroseconds()
    {
        var a = _arrivals!;
        double rate = a.TuplesPerSecond * (1 + a.Wave * Math.Sin(2 * Math.PI * _clockSeconds / a.PeriodSeconds));
        if (a.Profile is { IsNone: false } profile) rate *= profile.Factor((long)Math.Floor(_clockSeconds / a.BatchSeconds), _seed);
        _clockSeconds += -Math.Log(1 - _rng.NextDouble()) / Math.Max(rate, 1e-9);
        return (long)(_clockSeconds * 1e6);
    }

    public void Dispose() { }
}
