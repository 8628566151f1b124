namespace PartLy.Core.Partitioning;

/// <summary>
/// DAGreedy (Pacaci and Özsu, "Distribution-aware stream partitioning", BeyondMR 2018), as the Dalton repository
/// implements it. Stream time is the tuple's position in the stream, so its state carries across batches. A key is
/// hot once its count in the current interval of <c>slide</c> tuples exceeds total / (100·P) of the previous interval
/// (integer division, as the code does: 0 at P = 50 with slides of 1,000, so every key is hot from its first tuple;
/// nothing is hot in the first interval), and stays hot until the end of the next interval. A hot key goes to the
/// first block maximising 0.5·[the block held the key] − 0.5·(L − L̄)/L̄ over the loads of a sliding window of
/// <c>window</c> tuples; a cold key goes to key mod P. Departure from the paper, kept from the code: the blocks that
/// held a key are merged in at the end of each slide that saw a hot key and never expire (the code's expiry clears
/// the wrong bit), so "held" means held at any time since.
/// </summary>
public sealed class DaGreedy : Partitioner
{
    private readonly int _window, _slide;
    private int _partitions, _words;
    private long _time;
    // Hot statistics of the current interval.
    private long _nextHotUpdate;
    private long _threshold = long.MaxValue;
    private long _intervalTotal;
    private long _interval;
    private int[] _count = [];
    private long[] _countInterval = [];
    private long[] _hotInterval = [];
    private long[] _hotUntil = [];
    // Sliding window: per block, the loads of the closed slides still in the window and of the current one.
    private long _nextSlide;
    private int[][] _slideLoads = [];
    private long[] _slideTime = [];
    private int _oldest, _closed;
    private int[] _pastLoad = [], _currentLoad = [];
    private long[] _blockLoad = [];
    private long _windowLoad;
    private bool _slideSawHot;
    // Blocks that held each key: merged over past slides, and in the current slide (stamped by slide).
    private ulong[] _held = [], _slideHeld = [];
    private long[] _slideHeldStamp = [];
    private long _slideNumber = 1;
    private readonly List<int> _slideKeys = [];

    public DaGreedy(int window = 60_000, int slide = 1_000)
    {
        if (slide < 1) throw new ArgumentOutOfRangeException(nameof(slide), $"slide must be at least 1 tuple, got {slide}");
        if (window < slide) throw new ArgumentOutOfRangeException(nameof(window), $"window ({window}) must be at least one slide ({slide})");
        _window = window;
        _slide = slide;
    }

    public override string Name => "DAGreedy";

    protected override void Route(in BatchContext context, ReadOnlySpan<int> keys, Span<int> blocks)
    {
        int p = context.Partitions;
        if (p != _partitions) Start(p);
        for (int i = 0; i < keys.Length; i++, _time++)
        {
            int key = keys[i];
            Grow(key);
            bool hot = IsHot(key);
            if (_time >= _nextSlide) CloseSlide(hot);
            else if (hot) _slideSawHot = true;
            int block = hot ? BestBlock(key) : key % p;
            blocks[i] = block;
            Record(key, block);
        }
    }

    private void Start(int partitions)
    {
        _partitions = partitions;
        _words = (partitions + 63) / 64;
        int slides = _window / _slide + 1;
        _slideLoads = new int[slides][];
        for (int s = 0; s < slides; s++) _slideLoads[s] = new int[partitions];
        _slideTime = new long[slides];
        _pastLoad = new int[partitions];
        _currentLoad = new int[partitions];
        _blockLoad = new long[partitions];
        _oldest = _closed = 0;
        _windowLoad = 0;
        _nextSlide = _time + _slide;
        _nextHotUpdate = _time + _slide;
        _held = new ulong[_held.Length / Math.Max(1, _words) * _words];
        _slideHeld = new ulong[_held.Length];
    }

    private bool IsHot(int key)
    {
        _intervalTotal++;
        bool hot = _hotInterval[key] == _interval + 1;
        bool justHot = false;
        if (!hot)
        {
            if (_countInterval[key] != _interval + 1) { _countInterval[key] = _interval + 1; _count[key] = 0; }
            if (++_count[key] > _threshold) { _hotInterval[key] = _interval + 1; hot = justHot = true; }
        }
        // Hot until the end of the interval after the one it became hot in.
        if (justHot) _hotUntil[key] = _nextHotUpdate + _slide;
        if (_time >= _nextHotUpdate)
        {
            _threshold = _intervalTotal / (100L * _partitions);
            _intervalTotal = 0;
            _interval++;
            _nextHotUpdate += _slide;
        }
        if (hot) return true;
        if (_hotUntil[key] == 0) return false;
        if (_hotUntil[key] <= _time) { _hotUntil[key] = 0; return false; }
        return true;
    }

    private void CloseSlide(bool hot)
    {
        int slides = _slideLoads.Length;
        if (_closed > 0 && _slideTime[_oldest] <= _time - _window)
        {
            var expired = _slideLoads[_oldest];
            for (int b = 0; b < _partitions; b++) { _pastLoad[b] -= expired[b]; _blockLoad[b] -= expired[b]; _windowLoad -= expired[b]; }
            _oldest = (_oldest + 1) % slides;
            _closed--;
        }
        if (_slideSawHot)
            foreach (int key in _slideKeys)
                for (int w = 0; w < _words; w++) _held[key * _words + w] |= _slideHeld[key * _words + w];
        _slideKeys.Clear();
        _slideNumber++;
        int slot = (_oldest + _closed) % slides;
        Array.Copy(_currentLoad, _slideLoads[slot], _partitions);
        _slideTime[slot] = _nextSlide;
        _closed++;
        for (int b = 0; b < _partitions; b++) _pastLoad[b] += _currentLoad[b];
        Array.Clear(_currentLoad);
        _slideSawHot = hot;
        _nextSlide += _slide;
    }

    /// <summary>
    /// The first block maximising 0.5·held − 0.5·(L − L̄)/L̄, computed as held·W − P·L (the same order, times 2·W with
    /// W the window's load and L̄ = W/P; exact in integers, the first block on ties as the code's strict comparison).
    /// </summary>
    private int BestBlock(int key)
    {
        bool inSlide = _slideHeldStamp[key] == _slideNumber;
        long total = _windowLoad, partitions = _partitions;
        int best = 0;
        long bestScore = long.MinValue;
        for (int w = 0; w < _words; w++)
        {
            ulong mask = _held[key * _words + w] | (inSlide ? _slideHeld[key * _words + w] : 0);
            int end = Math.Min(_partitions, (w + 1) * 64);
            for (int b = w * 64; b < end; b++)
            {
                long score = (long)((mask >> (b & 63)) & 1) * total - partitions * _blockLoad[b];
                if (score > bestScore) { bestScore = score; best = b; }
            }
        }
        return best;
    }

    private void Record(int key, int block)
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
        _windowLoad++;
    }

    private void Grow(int key)
    {
        if (key < _count.Length) return;
        int size = KeyArrays.Capacity(key);
        Array.Resize(ref _count, size);
        Array.Resize(ref _countInterval, size);
        Array.Resize(ref _hotInterval, size);
        Array.Resize(ref _hotUntil, size);
        Array.Resize(ref _slideHeldStamp, size);
        Array.Resize(ref _held, size * _words);
        Array.Resize(ref _slideHeld, size * _words);
    }
}
