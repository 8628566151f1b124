namespace PartLy.Core.Partitioning.Dalton;

/// <summary>
/// Dalton (Zapridou, Mytilinis and Ailamaki, PVLDB 16(4), 2022) in its micro-batch flavour, as the Trident code of
/// the Dalton repository does it: a contextual bandit per hot key whose arms are the blocks. ε-greedy (the greedy
/// arm starts from key mod P and moves on a strictly larger value), values start at −2 and move by a constant step α
/// towards the reward −(0.5·(L − L̄)/max(L, L̄) + 0.5·fragments of the key / P), L the chosen block's load over the
/// sliding window and L̄ the window's mean. Once a key has as many fragments as the split budget, exploration stays
/// among its fragments; the budget starts at 2 and grows by one when that holds for 70% of the Q-table's keys. Hot
/// keys are detected per interval of <c>slide</c> tuples (<see cref="HotKeyStatistics"/>); a key's Q row expires at
/// the end of the interval after the one it was last found hot in; cold keys go to key mod P. Stream time is the
/// tuple's position in the stream, so all state carries across batches.
/// Departures from the paper, kept from the code: the fragments of a key are every block it was placed on since it
/// was first seen (<see cref="SlidingBlockWindow"/>), and the split budget only narrows exploration: the greedy arm may
/// add fragments beyond it. From the code, one departure: the code's expiry also clears bit number "key" of a key's
/// fragments when the key's id is below P; here it does not.
/// </summary>
public sealed class DaltonPartitioner : Partitioner
{
    private const double InitialValue = -2;
    private const int SketchKeys = 10_000;
    private readonly int _slide;
    private readonly double _epsilon, _alpha;
    private readonly long _seed;
    private readonly SlidingBlockWindow _state;
    private JavaRandom _random;
    private HotKeyStatistics _hot = null!;
    private QTable _q = null!;
    private int _partitions;
    private long _time;
    private int _splitBudget;
    private int[] _budgetEpoch = [];
    private int _epoch = 1, _atBudget;

    public DaltonPartitioner(int window = 60_000, int slide = 1_000, double epsilon = 0.1, double alpha = 0.1, long seed = 3)
    {
        if (epsilon is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(epsilon), $"epsilon must be in [0, 1], got {epsilon}");
        if (alpha is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(alpha), $"alpha must be in (0, 1], got {alpha}");
        _state = new SlidingBlockWindow(window, slide);
        _slide = slide;
        _epsilon = epsilon;
        _alpha = alpha;
        _seed = seed;
        _random = new JavaRandom(seed);
    }

    public override string Name => "Dalton";

    /// <summary>The split budget (maxSplit): fragments a key may reach before exploration stays among them.</summary>
    public int SplitBudget => _splitBudget;

    /// <summary>Keys with a Q row (hot now or recently).</summary>
    public int QRows => _q?.Count ?? 0;

    /// <summary>Whether hot keys are counted by the Count-Min sketch (past 10,000 keys) rather than exactly.</summary>
    public bool UsingSketch => _hot?.UsingSketch ?? false;

    /// <summary>The action values of <paramref name="key"/>, one per block; empty when the key has no row.</summary>
    public ReadOnlySpan<double> QValues(int key) => _q is not null && _q.Contains(key) ? _q.Row(key) : [];

    /// <summary>The blocks <paramref name="key"/> counts as its fragments.</summary>
    public int Fragments(int key) => key < _state.KeyCapacity ? _state.HeldCount(key) : 0;

    public override string State => _q is null ? "" :
        $"split_budget={_splitBudget},q_rows={_q.Count},hot_counts={(_hot.UsingSketch ? "sketch" : "exact")}";

    protected override void Route(in BatchContext context, ReadOnlySpan<int> keys, Span<int> blocks)
    {
        int p = context.Partitions;
        if (p != _partitions) Start(p);
        for (int i = 0; i < keys.Length; i++, _time++)
        {
            int key = keys[i];
            _state.Grow(key);
            bool hot = IsHot(key);
            _state.Advance(_time, hot);
            int block = hot ? ChooseHot(key) : key % p;
            blocks[i] = block;
            _state.Record(key, block);
            if (hot) Learn(key, block);
        }
    }

    private void Start(int partitions)
    {
        _partitions = partitions;
        _state.Start(partitions, _time);
        _hot = new HotKeyStatistics(_slide, partitions, SketchKeys, _time);
        _q = new QTable(partitions, InitialValue);
        _random = new JavaRandom(_seed);
        _splitBudget = 2;
        _epoch++;
        _atBudget = 0;
    }

    private bool IsHot(int key)
    {
        long result = _hot.Observe(key, _time, _state.MergedKeys);
        if (result == HotKeyStatistics.NotHot)
        {
            if (!_q.Contains(key)) return false;
            if (_time <= _q.Expiration(key)) return true;
            _q.Remove(key);
            return false;
        }
        if (result != HotKeyStatistics.AlreadyHot)
        {
            if (_q.Contains(key)) _q.SetExpiration(key, result);
            else _q.Initialize(key, result);
        }
        return true;
    }

    private int ChooseHot(int key)
    {
        int block = key % _partitions;
        if (_random.NextDouble() < 1.0 - _epsilon)
        {
            var row = _q.Row(key);
            double max = row[block];
            for (int b = 0; b < row.Length; b++)
                if (row[b] > max) { max = row[b]; block = b; }
            return block;
        }
        if (!AtBudget(key)) return _random.NextInt(_partitions);
        int fragments = _state.HeldCount(key);
        if (fragments == 0)
        {
            LeaveBudget(key);
            return _random.NextInt(_partitions);
        }
        return NthHeld(key, _random.NextInt(fragments));
    }

    private void Learn(int key, int block)
    {
        int fragments = _state.HeldCount(key);
        if (fragments == _splitBudget) EnterBudget(key);
        double mean = (double)_state.WindowLoad / _partitions;
        double load = _state.BlockLoad(block);
        double loadGap = (load - mean) / Math.Max(load, mean);
        if (_atBudget >= 0.7 * _q.Count && _splitBudget < _partitions)
        {
            _epoch++;
            _atBudget = 0;
            _splitBudget++;
        }
        double reward = -(0.5 * loadGap + 0.5 * ((double)fragments / _partitions));
        var row = _q.Row(key);
        row[block] = row[block] * (1 - _alpha) + _alpha * reward;
    }

    private int NthHeld(int key, int n)
    {
        for (int w = 0; w < _state.Words; w++)
        {
            ulong word = _state.HeldWord(key, w);
            int count = System.Numerics.BitOperations.PopCount(word);
            if (n >= count) { n -= count; continue; }
            for (; n > 0; n--) word &= word - 1;
            return w * 64 + System.Numerics.BitOperations.TrailingZeroCount(word);
        }
        throw new InvalidOperationException("fewer fragments than counted");
    }

    private bool AtBudget(int key) => key < _budgetEpoch.Length && _budgetEpoch[key] == _epoch;

    private void EnterBudget(int key)
    {
        if (key >= _budgetEpoch.Length) Array.Resize(ref _budgetEpoch, KeyArrays.Capacity(key));
        if (_budgetEpoch[key] == _epoch) return;
        _budgetEpoch[key] = _epoch;
        _atBudget++;
    }

    private void LeaveBudget(int key)
    {
        _budgetEpoch[key] = 0;
        _atBudget--;
    }
}
