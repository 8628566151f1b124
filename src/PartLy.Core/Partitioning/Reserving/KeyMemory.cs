using System.Runtime.CompilerServices;
using PartLy.Core.Metrics;

namespace PartLy.Core.Partitioning.Reserving;

/// <summary>
/// The keys' memory of a stream: each key's smoothed share of a batch and the blocks it had last batch (its split
/// pairs and fragment list), its state in the batch being placed, and how much keys new to the stream go on to send
/// (the burst measure). Stream memory carries over from batch to batch and is forgotten when a new stream starts.
/// </summary>
public sealed class KeyMemory(InformationMode mode)
{
    private const double ShareSmoothing = 0.5;
    private const double NewKeysMemory = 0.9;

    /// <summary>Batches of a stream before <see cref="NewKeysBurst"/> may say yes (one batch's new keys are too few to tell).</summary>
    private const int NewKeysWarmup = 5;

    /// <summary>How many keys ahead <see cref="Prefetch"/> is asked for in a loop over keys.</summary>
    public const int PrefetchDistance = 8;

    private static readonly double[] Decays = Enumerable.Range(0, 64).Select(k => Math.Pow(1 - ShareSmoothing, k)).ToArray();

    private KeyState[] _states = new KeyState[1024];
    private int[] _touched = new int[1024];
    private int _touchedCount;
    private long _stamp;
    private bool _previousValid;
    private KeyCounts? _counts;
    // The (key, block) pairs of the keys split in the batch so far (a key on one block is known from its KeyState).
    private PairSet _splitPairs = new();
    private PairSet _previousSplitPairs = new();
    // Each key's blocks in the batch as a list (KeyState.FragmentHead, then Next), and the previous batch's.
    private int[] _fragmentBlock = new int[1024], _fragmentNext = new int[1024];
    private int[] _previousFragmentBlock = new int[1024], _previousFragmentNext = new int[1024];
    private int _fragmentCount;
    // Over recent batches: tuples that keys the stream had not seen sent after their first, and the tuples left then.
    private double _newKeysSent, _newKeysLeft;

    public InformationMode Mode { get; } = mode;
    public long BatchIndex { get; private set; }
    public int ExpectedTuples { get; private set; }

    public ref KeyState this[int key] => ref _states[key];

    /// <summary>Asks the processor to fetch a key's state ahead of its tuple (the states are too many for the L1 cache).</summary>
    public unsafe void Prefetch(int key)
    {
        if (System.Runtime.Intrinsics.X86.Sse.IsSupported && (uint)key < (uint)_states.Length)
        {
            byte* state = (byte*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref _states[key]);
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(state);
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(state + sizeof(KeyState) - 1);
        }
    }

    /// <summary>Stamp of the batch being placed (a key's state is of this batch when its stamp matches).</summary>
    internal long Stamp => _stamp;

    public void ResetStream()
    {
        for (int k = 0; k < _states.Length; k++) _states[k].ForgetStream();
        _previousValid = false;
        BatchIndex = 0;
        _newKeysSent = _newKeysLeft = 0;
        NewKeysBurst = false;
    }

    /// <summary>Starts a batch; <paramref name="counts"/> holds the batch's exact counts when buffered.</summary>
    public void BeginBatch(ReadOnlySpan<int> keys, long index, int expectedTuples, KeyCounts? counts)
    {
        BatchIndex = index;
        ExpectedTuples = expectedTuples;
        _counts = counts;
        (_previousSplitPairs, _splitPairs) = (_splitPairs, _previousSplitPairs);
        _splitPairs.Clear(keys.Length);
        (_previousFragmentBlock, _fragmentBlock) = (_fragmentBlock, _previousFragmentBlock);
        (_previousFragmentNext, _fragmentNext) = (_fragmentNext, _previousFragmentNext);
        if (_fragmentBlock.Length < keys.Length) { _fragmentBlock = new int[keys.Length * 2]; _fragmentNext = new int[keys.Length * 2]; }
        _fragmentCount = 0;
        _stamp++;
        _touchedCount = 0;
        if (_touched.Length < keys.Length) _touched = new int[keys.Length * 2];
        int maxKey = 0;
        foreach (int k in keys) if (k > maxKey) maxKey = k;
        if (maxKey >= _states.Length) Array.Resize(ref _states, KeyArrays.Capacity(maxKey));
        // Fixed for the batch: it changes only when a batch ends.
        NewKeysBurst = Mode == InformationMode.Online && BatchIndex > NewKeysWarmup && _newKeysLeft > 0 && _newKeysSent / _newKeysLeft * ExpectedTuples >= 1;
    }

    /// <summary>True when this is the key's first tuple in the batch; initialises its batch state.</summary>
    public bool Touch(int key, int tuplesLeft)
    {
        ref var state = ref _states[key];
        if (state.Stamp == _stamp) return false;
        Initialise(ref state, key, tuplesLeft);
        return true;
    }

    /// <summary>The key's state, touched (see <see cref="Touch"/>) if this is its first tuple in the batch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref KeyState Touched(int key, int tuplesLeft)
    {
        ref var state = ref _states[key];
        if (state.Stamp != _stamp) Initialise(ref state, key, tuplesLeft);
        return ref state;
    }

    private void Initialise(ref KeyState state, int key, int tuplesLeft)
    {
        state.Stamp = _stamp;
        _touched[_touchedCount++] = key;
        state.Block = -1;
        state.PlacedBlock = -1;
        state.Seen = 0;
        state.Fragments = 0;
        state.Holding = Holding.None;
        state.FillsBlock = false;
        state.FragmentHead = 0;
        state.Remaining = PredictedCount(ref state, key);
        state.ExpectedShare = Mode == InformationMode.Online && state.ShareBatch != 0 ? (float)(state.Share * Decay(BatchIndex - state.ShareBatch)) : 0;
        state.TuplesLeftAtFirst = tuplesLeft;
    }

    /// <summary>
    /// Tuples of the key expected in this batch: online, its smoothed share of earlier batches times the expected
    /// batch size; buffered, its true count.
    /// </summary>
    public int PredictedCount(int key) => PredictedCount(ref _states[key], key);

    private int PredictedCount(ref KeyState state, int key)
    {
        if (Mode == InformationMode.Buffered) return _counts!.CountOf(key);
        if (state.ShareBatch == 0) return 0;
        double decay = Decay(BatchIndex - state.ShareBatch);
        return (int)Math.Round(state.Share * decay * ExpectedTuples);
    }

    /// <summary>Records that the key's tuple went to the block; true when the block is new to the key in this batch.</summary>
    public bool RecordPlacement(int key, int block) => RecordPlacement(key, ref _states[key], block);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool RecordPlacement(int key, ref KeyState state, int block) => state.PlacedBlock != block && RecordNewBlock(key, ref state, block);

    private bool RecordNewBlock(int key, ref KeyState state, int block)
    {
        bool newBlock = state.Fragments switch
        {
            0 => true,
            1 => _splitPairs.Add(key, state.PlacedBlock) | _splitPairs.Add(key, block),
            _ => _splitPairs.Add(key, block),
        };
        state.PlacedBlock = block;
        if (!newBlock) return false;
        _fragmentBlock[_fragmentCount] = block;
        _fragmentNext[_fragmentCount] = state.FragmentHead - 1;
        state.FragmentHead = ++_fragmentCount;
        state.Fragments++;
        return true;
    }

    public bool Holds(int key, int block)
    {
        ref var state = ref _states[key];
        if (state.Stamp != _stamp) return false;
        return state.Fragments switch
        {
            0 => false,
            1 => state.PlacedBlock == block,
            _ => _splitPairs.Contains(key, block),
        };
    }

    /// <summary>Whether the block held the key in the previous batch of the stream.</summary>
    public bool HeldLastBatch(int key, int block) =>
        InLastBatch(key) && (_states[key].LastFragments == 1 ? _states[key].LastBlock - 1 == block : _previousSplitPairs.Contains(key, block));

    /// <summary>Whether the key had tuples in the previous batch of the stream.</summary>
    public bool InLastBatch(int key) => _previousValid && _states[key].ShareBatch == BatchIndex;

    /// <summary>The first of the key's fragments in the last batch (iterate with <see cref="NextLastBatchFragment"/>), or −1.</summary>
    public int FirstLastBatchFragment(int key) => _states[key].LastFragmentHead - 1;
    public int NextLastBatchFragment(int fragment) => _previousFragmentNext[fragment];
    public int LastBatchFragmentBlock(int fragment) => _previousFragmentBlock[fragment];

    /// <summary>
    /// A block under capacity that held the key in the previous batch (its last fragment's block first), or −1:
    /// where a fragment causes no migration.
    /// </summary>
    public int LastBatchBlock(int key, int capacity, ReadOnlySpan<int> loads)
    {
        if (!InLastBatch(key)) return -1;
        int last = _states[key].LastBlock - 1;
        if (last < loads.Length && loads[last] < capacity) return last;
        if (_states[key].LastFragments == 1) return -1;
        int best = -1;
        for (int f = _states[key].LastFragmentHead - 1; f >= 0; f = _previousFragmentNext[f])
        {
            int b = _previousFragmentBlock[f];
            if (b < loads.Length && loads[b] < capacity && (best < 0 || b < best)) best = b;
        }
        return best;
    }

    /// <summary>
    /// Whether keys new to the stream come in bursts: over recent batches, a new key went on to send at least one more
    /// tuple per batch's worth of tuples left (word streams) rather than next to nothing (a Zipf stream's new keys).
    /// </summary>
    public bool NewKeysBurst { get; private set; }

    /// <summary>Ends the batch of <paramref name="tuples"/> tuples: updates each key's share and last blocks, and the burst measure.</summary>
    public void EndBatch(int tuples)
    {
        _previousValid = true;
        long next = BatchIndex + 1;
        double newSent = 0, newLeft = 0;
        for (int t = 0; t < _touchedCount; t++)
        {
            if (t + PrefetchDistance < _touchedCount) Prefetch(_touched[t + PrefetchDistance]);
            ref var state = ref _states[_touched[t]];
            if (state.ExpectedShare == 0) { newSent += state.Seen - 1; newLeft += state.TuplesLeftAtFirst; }
            double observed = (double)state.Seen / tuples;
            state.Share = state.ShareBatch == 0 ? observed : (1 - ShareSmoothing) * (state.Share * Decay(BatchIndex - state.ShareBatch)) + ShareSmoothing * observed;
            state.ShareBatch = next;
            state.LastBlock = state.PlacedBlock + 1;
            state.LastFragments = state.Fragments;
            state.LastFragmentHead = state.FragmentHead;
        }
        if (BatchIndex > 0)
        {
            // In a stream's first batch every key is new: that says nothing about the keys that are new later.
            _newKeysSent = NewKeysMemory * _newKeysSent + newSent;
            _newKeysLeft = NewKeysMemory * _newKeysLeft + newLeft;
        }
    }

    /// <summary>(1 − smoothing)^batches: how much of a share is left after that many batches without the key.</summary>
    private static double Decay(long batches) => batches <= 0 ? 1 : batches < Decays.Length ? Decays[batches] : 0;
}
