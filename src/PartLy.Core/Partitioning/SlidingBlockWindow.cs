namespace PartLy.Core.Partitioning;

/// <summary>
/// The state the Dalton repository's partitioners (DAGreedy, Dalton) keep across batches, in stream time (the tuple's
/// position in the stream): each block's load over a sliding window of <c>window</c> tuples that advances by
/// <c>slide</c>, and the blocks each key has been placed on. A slide's placements are merged into a key's blocks when
/// the slide closes, and only if the slide saw a hot key (as the code does); merged blocks never expire, because the
/// code's expiry clears the wrong bit.
/// </summary>
public sealed class SlidingBlockWindow
{
    private readonly int _window, _slide;
    private int _partitions, _words;
    private long _nextSlide;
    private int[][] _slideLoads = [];
    private long[] _slideTime = [];
    private int _oldest, _closed;
    private int[] _currentLoad = [];
    private long[] _blockLoad = [];
    private bool _slideSawHot;
    private ulong[] _held = [], _slideHeld = [];
    private long[] _slideHeldStamp = [];
    private long _slideNumber = 1;
    private readonly List<int> _slideKeys = [];
    private bool[] _everMerged = [];

    public SlidingBlockWindow(int window, int slide)
    {
        if (slide < 1) throw new ArgumentOutOfRangeException(nameof(slide), $"slide must be at least 1 tuple, got {slide}");
        if (window < slide) throw new ArgumentOutOfRangeException(nameof(window), $"window ({window}) must be at least one slide ({slide})");
        _window = window;
        _slide = slide;
    }

    public int Partitions => _partitions;

    /// <summary>64-bit words per key in <see cref="HeldWord"/>.</summary>
    public int Words => _words;

    /// <summary>Tuples placed in the window (closed slides still in it and the current one).</summary>
    public long WindowLoad { get; private set; }

    /// <summary>Keys whose blocks have been merged at least once (the code's count of distinct keys).</summary>
    public int MergedKeys { get; private set; }

    /// <summary>Keys below this have state here.</summary>
    public int KeyCapacity => _slideHeldStamp.Length;

    public long BlockLoad(int block) => _blockLoad[block];

    /// <summary>Starts over on <paramref name="partitions"/> blocks at stream time <paramref name="time"/>: loads and
    /// the keys' blocks are forgotten.</summary>
    public void Start(int partitions, long time)
    {
        _partitions = partitions;
        _words = (partitions + 63) / 64;
        int slides = _window / _slide + 1;
        _slideLoads = new int[slides][];
        for (int s = 0; s < slides; s++) _slideLoads[s] = new int[partitions];
        _slideTime = new long[slides];
        _currentLoad = new int[partitions];
        _blockLoad = new long[partitions];
        _oldest = _closed = 0;
        WindowLoad = 0;
        _nextSlide = time + _slide;
        int keys = _slideHeldStamp.Length;
        _held = new ulong[keys * _words];
        _slideHeld = new ulong[keys * _words];
        Array.Clear(_slideHeldStamp);
        Array.Clear(_everMerged);
        MergedKeys = 0;
        _slideKeys.Clear();
        _slideSawHot = false;
    }

    /// <summary>Closes the current slide if stream time has reached its end, else notes whether it saw a hot key.</summary>
    public void Advance(long time, bool hot)
    {
        if (time >= _nextSlide) CloseSlide(time, hot);
        else if (hot) _slideSawHot = true;
    }

    private void CloseSlide(long time, bool hot)
    {
        int slides = _slideLoads.Length;
        if (_closed > 0 && _slideTime[_oldest] <= time - _window)
        {
            var expired = _slideLoads[_oldest];
            for (int b = 0; b < _partitions; b++) { _blockLoad[b] -= expired[b]; WindowLoad -= expired[b]; }
            _oldest = (_oldest + 1) % slides;
            _closed--;
        }
        if (_slideSawHot)
            foreach (int key in _slideKeys)
            {
                if (!_everMerged[key]) { _everMerged[key] = true; MergedKeys++; }
                for (int w = 0; w < _words; w++) _held[key * _words + w] |= _slideHeld[key * _words + w];
            }
        _slideKeys.Clear();
        _slideNumber++;
        int slot = (_oldest + _closed) % slides;
        Array.Copy(_currentLoad, _slideLoads[slot], _partitions);
        _slideTime[slot] = _nextSlide;
        _closed++;
        Array.Clear(_currentLoad);
        _slideSawHot = hot;
        _nextSlide += _slide;
    }

    /// <summary>Word <paramref name="word"/> of the blocks that have held <paramref name="key"/>: merged, and in the
    /// current slide.</summary>
    public ulong HeldWord(int key, int word) =>
        _held[key * _words + word] | (_slideHeldStamp[key] == _slideNumber ? _slideHeld[key * _words + word] : 0);

    /// <summary>How many blocks have held <paramref name="key"/> (merged or in the current slide).</summary>
    public int HeldCount(int key)
    {
        int count = 0;
        for (int w = 0; w < _words; w++) count += System.Numerics.BitOperations.PopCount(HeldWord(key, w));
        return count;
    }

    public void Record(int key, int block)
    {
        if (_slideHeldStamp[key] != _slideNumber)
        {
            _slideHeldStamp[key] = _slideNumber;
            Array.Clear(_slideHeld, key * _words, _words);
            _slideKeys.Add(key);
        }
        _slideHeld[key * _words + (block >> 6)] |= 1UL << (block & 63);
        _currentLoad[block]++;
        _blockLoad[block]++;
        WindowLoad++;
    }

    /// <summary>Grows the per-key arrays to hold <paramref name="key"/>.</summary>
    public void Grow(int key)
    {
        if (key < _slideHeldStamp.Length) return;
        int size = KeyArrays.Capacity(key);
        Array.Resize(ref _slideHeldStamp, size);
        Array.Resize(ref _everMerged, size);
        Array.Resize(ref _held, size * _words);
        Array.Resize(ref _slideHeld, size * _words);
    }
}
