namespace PartLy.Core.Partitioning.Dalton;

/// <summary>
/// Dalton's hot-key detection (HotStatistics): counts per interval of stream time; a key is hot once its count in the
/// current interval exceeds total / P of the previous interval (integer division; nothing is hot in the first
/// interval). Counts are exact until the keys merged into the window state reach <c>sketchKeys</c>, then come from a
/// Count-Min sketch (ε 0.05, confidence 0.9, seed 33: 40 × 4 counters) that over-counts. Intervals start at stream
/// time <c>start</c>.
/// </summary>
internal sealed class HotKeyStatistics(int interval, int partitions, int sketchKeys, long start)
{
    /// <summary>The key was hot in this interval before this tuple.</summary>
    public const long AlreadyHot = -1;

    /// <summary>The key is not hot in this interval.</summary>
    public const long NotHot = 0;

    private readonly CountMinSketch _sketch = new(0.05, 0.9, 33);
    private long _nextUpdate = start + interval;
    private double _threshold = double.MaxValue;
    private long _total;
    private long _interval = 1;
    private int[] _count = [];
    private long[] _countInterval = [];
    private long[] _hotInterval = [];

    public bool UsingSketch { get; private set; }

    public long NextUpdate => _nextUpdate;

    /// <summary>The time at which a key that becomes hot now stops being hot (the end of the next interval).</summary>
    public long ExpirationTime => _nextUpdate + interval;

    /// <summary>
    /// Counts one tuple of <paramref name="key"/> at stream time <paramref name="time"/>: <see cref="AlreadyHot"/>,
    /// <see cref="NotHot"/>, or the expiration time if the key became hot with this tuple.
    /// </summary>
    public long Observe(int key, long time, int distinctKeys)
    {
        if (time >= _nextUpdate)
        {
            if (UsingSketch) _sketch.Clear();
            UsingSketch = distinctKeys >= sketchKeys;
            _interval++;
            _nextUpdate += interval;
            _threshold = _total / partitions;
            _total = 0;
        }
        _total++;
        Grow(key);
        if (_hotInterval[key] == _interval) return AlreadyHot;
        int frequency;
        if (UsingSketch) frequency = _sketch.AddAndEstimate(key);
        else
        {
            if (_countInterval[key] != _interval) { _countInterval[key] = _interval; _count[key] = 0; }
            frequency = ++_count[key];
        }
        if (frequency <= _threshold) return NotHot;
        _hotInterval[key] = _interval;
        return ExpirationTime;
    }

    private void Grow(int key)
    {
        if (key < _count.Length) return;
        int size = KeyArrays.Capacity(key);
        Array.Resize(ref _count, size);
        Array.Resize(ref _countInterval, size);
        Array.Resize(ref _hotInterval, size);
    }
}
