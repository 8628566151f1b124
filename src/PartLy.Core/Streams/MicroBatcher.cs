namespace PartLy.Core.Streams;

/// <summary>How a stream is cut into micro-batches.</summary>
public abstract record BatchPolicy
{
    /// <summary>A fixed number of tuples per batch (the last batch may be shorter).</summary>
    public sealed record ByCount(int Tuples) : BatchPolicy
    {
        public override string ToString() => Tuples.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// All tuples whose arrival falls in one interval of <paramref name="Microseconds"/> (variable batch sizes); empty
    /// intervals yield no batch. Stream time is in microseconds, the cost model's unit.
    /// </summary>
    public sealed record ByInterval(long Microseconds) : BatchPolicy
    {
        public override string ToString() => Duration.Format(Microseconds);
    }

    /// <summary>Parses a tuple count (<c>1000</c>) or an interval (<c>500us</c>, <c>200ms</c>, <c>1s</c>, <c>5min</c>, <c>1h</c>); <paramref name="what"/> names the setting in errors.</summary>
    public static BatchPolicy Parse(string text, string what)
    {
        string trimmed = text.Trim().ToLowerInvariant();
        if (int.TryParse(trimmed, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int tuples))
            return tuples >= 1 ? new ByCount(tuples) : throw new InputException($"{what} must be at least 1 tuple, got {text}");
        if (!Duration.TryParse(trimmed, out long us))
            throw new InputException($"{what} '{text}' is neither a tuple count (1000) nor an interval with a unit of {Duration.Units} (200ms, 1s, 1h)");
        return us >= 1 ? new ByInterval(us) : throw new InputException($"{what} '{text}' is shorter than 1us");
    }
}

/// <summary>Durations as users write them, in microseconds (stream time's unit).</summary>
public static class Duration
{
    private static readonly (string Unit, long Microseconds)[] Scales = [("us", 1), ("ms", 1_000), ("min", 60_000_000), ("h", 3_600_000_000), ("s", 1_000_000)];

    public const string Units = "us, ms, s, min, h";

    /// <summary>Microseconds per unit (<c>us</c>, <c>ms</c>, <c>s</c>, <c>min</c>, <c>h</c>), or 0 for an unknown unit.</summary>
    public static long Scale(string unit) => Array.Find(Scales, s => s.Unit == unit).Microseconds;

    /// <summary>A positive number with a unit (<c>1.5s</c>); rounds to whole microseconds.</summary>
    public static bool TryParse(string text, out long microseconds)
    {
        microseconds = 0;
        foreach (var (unit, scale) in Scales)
        {
            if (!text.EndsWith(unit, StringComparison.Ordinal)) continue;
            string number = text[..^unit.Length];
            if (number.Length == 0 || !char.IsAsciiDigit(number[^1]) && number[^1] != '.') return false;
            if (!double.TryParse(number, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double value) || !(value > 0) || !double.IsFinite(value)) return false;
            microseconds = (long)Math.Round(value * scale);
            return true;
        }
        return false;
    }

    /// <summary>The largest unit that divides the duration: <c>10ms</c>, <c>1h</c>, <c>1500us</c>.</summary>
    public static string Format(long microseconds)
    {
        foreach (var (unit, scale) in Scales.OrderByDescending(s => s.Microseconds))
            if (microseconds % scale == 0) return $"{microseconds / scale}{unit}";
        return $"{microseconds}us";
    }
}

/// <summary>One micro-batch: the keys of its tuples in arrival order.</summary>
/// <param name="Index">0-based position of the batch in the stream.</param>
/// <param name="Keys">The batch's keys; never modified after the batch is made.</param>
/// <param name="ExpectedTuples">What an online partitioner may assume about the batch size before it sees the batch:
/// for count-based batches their size (a batch is cut when it is full, or at the end of the stream, so its size is
/// known when it is emitted: the configured size, smaller only for a stream's last batch), the previous batch's size
/// for time-based ones (0 for the first).</param>
/// <param name="IntervalEnd">Time-based batches: the end of the batch's interval in stream time (µs), when it is ready; 0 for count-based ones.</param>
public sealed record MicroBatch(long Index, int[] Keys, int ExpectedTuples, long IntervalEnd = 0)
{
    public int Count => Keys.Length;
}

/// <summary>Cuts a tuple source into micro-batches, reading it as a stream.</summary>
public sealed class MicroBatcher
{
    private const int ChunkSize = 8192;
    private readonly ITupleSource _source;
    private readonly BatchPolicy _policy;
    private readonly int[] _keys = new int[ChunkSize];
    private readonly long[] _times = new long[ChunkSize];
    private readonly List<int> _collect = [];
    private int _chunkLength;
    private int _chunkPosition;
    private long _index;
    private int _previousCount;
    private long _intervalStart = long.MinValue;

    public MicroBatcher(ITupleSource source, BatchPolicy policy)
    {
        switch (policy)
        {
            case BatchPolicy.ByCount { Tuples: < 1 } c: throw new InputException($"a batch must hold at least 1 tuple, got {c.Tuples}");
            case BatchPolicy.ByInterval { Microseconds: < 1 } t: throw new InputException($"a batch interval must be at least 1us, got {t.Microseconds}us");
            case BatchPolicy.ByInterval when !source.HasTimestamps:
                throw new InputException($"batches by time interval need arrival times: {source.Description} has none (rate= on a synthetic workload, or a time column of a CSV trace)");
        }
        _source = source;
        _policy = policy;
    }

    public long TuplesRead { get; private set; }

    public bool TryNext(out MicroBatch batch)
    {
        _collect.Clear();
        int expected;
        long intervalEnd = 0;
        if (_policy is BatchPolicy.ByCount byCount)
        {
            while (_collect.Count < byCount.Tuples && Fill()) _collect.Add(_keys[_chunkPosition++]);
            expected = _collect.Count;
        }
        else
        {
            long width = ((BatchPolicy.ByInterval)_policy).Microseconds;
            expected = _previousCount;
            if (!Fill()) { batch = null!; return false; }
            long t = _times[_chunkPosition];
            if (_intervalStart == long.MinValue) _intervalStart = t - Mod(t, width);
            else if (t >= _intervalStart + width) _intervalStart = t - Mod(t - _intervalStart, width);
            long end = intervalEnd = _intervalStart + width;
            while (Fill() && _times[_chunkPosition] < end) _collect.Add(_keys[_chunkPosition++]);
        }
        if (_collect.Count == 0) { batch = null!; return false; }
        TuplesRead += _collect.Count;
        _previousCount = _collect.Count;
        batch = new MicroBatch(_index++, _collect.ToArray(), expected, intervalEnd);
        return true;
    }

    private static long Mod(long a, long m) => ((a % m) + m) % m;

    private bool Fill()
    {
        if (_chunkPosition < _chunkLength) return true;
        _chunkLength = _source.Read(_keys, _source.HasTimestamps ? _times : Span<long>.Empty);
        _chunkPosition = 0;
        return _chunkLength > 0;
    }
}
