namespace PartLy.Core.Partitioning;

/// <summary>
/// DAGreedy (Pacaci and Özsu, "Distribution-aware stream partitioning", BeyondMR 2018), as the Dalton repository
/// implements it. Stream time is the tuple's position in the stream, so its state carries across batches. A key is
/// hot once its count in the current interval of <c>slide</c> tuples exceeds total / (100·P) of the previous interval
/// (integer division, as the code does: 0 at P = 50 with slides of 1,000, so every key is hot from its first tuple;
/// nothing is hot in the first interval), and stays hot until the end of the next interval. A hot key goes to the
/// first block maximising 0.5·[the block held the key] − 0.5·(L − L̄)/L̄ over the loads of a sliding window of
/// <c>window</c> tuples; a cold key goes to key mod P. Departure from the paper, kept from the code: "held" means held at
/// any time since (<see cref="SlidingBlockWindow"/>).
/// </summary>
public sealed class DaGreedy : Partitioner
{
    private readonly int _slide;
    private readonly SlidingBlockWindow _state;
    private int _partitions;
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

    public DaGreedy(int window = 60_000, int slide = 1_000)
    {
        _state = new SlidingBlockWindow(window, slide);
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
            _state.Advance(_time, hot);
            int block = hot ? BestBlock(key) : key % p;
            blocks[i] = block;
            _state.Record(key, block);
        }
    }

    private void Start(int partitions)
    {
        _partitions = partitions;
        _state.Start(partitions, _time);
        _nextHotUpdate = _time + _slide;
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

    /// <summary>
    /// The first block maximising 0.5·held − 0.5·(L − L̄)/L̄, computed as held·W − P·L (the same order, times 2·W with
    /// W the window's load and L̄ = W/P; exact in integers, the first block on ties as the code's strict comparison).
    /// </summary>
    private int BestBlock(int key)
    {
        long total = _state.WindowLoad, partitions = _partitions;
        int best = 0;
        long bestScore = long.MinValue;
        for (int w = 0; w < _state.Words; w++)
        {
            ulong mask = _state.HeldWord(key, w);
            int end = Math.Min(_partitions, (w + 1) * 64);
            for (int b = w * 64; b < end; b++)
            {
                long score = (long)((mask >> (b & 63)) & 1) * total - partitions * _state.BlockLoad(b);
                if (score > bestScore) { bestScore = score; best = b; }
            }
        }
        return best;
    }

    private void Grow(int key)
    {
        _state.Grow(key);
        if (key < _count.Length) return;
        int size = KeyArrays.Capacity(key);
        Array.Resize(ref _count, size);
        Array.Resize(ref _countInterval, size);
        Array.Resize(ref _hotInterval, size);
        Array.Resize(ref _hotUntil, size);
    }
}
