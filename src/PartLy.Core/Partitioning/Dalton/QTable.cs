namespace PartLy.Core.Partitioning.Dalton;

/// <summary>
/// The bandits' action values: one row of P values per key that is or was recently hot, with the time the row
/// expires. Rows are pooled; a key's row is found through a per-key slot.
/// </summary>
internal sealed class QTable(int partitions, double initialValue)
{
    private int[] _slotOfKey = [];      // slot + 1, 0 for none
    private double[] _values = [];
    private long[] _expiration = [];
    private readonly Stack<int> _free = new();
    private int _slots;

    public int Count { get; private set; }

    public bool Contains(int key) => key < _slotOfKey.Length && _slotOfKey[key] != 0;

    public Span<double> Row(int key) => _values.AsSpan((_slotOfKey[key] - 1) * partitions, partitions);

    public long Expiration(int key) => _expiration[_slotOfKey[key] - 1];

    public void SetExpiration(int key, long time) => _expiration[_slotOfKey[key] - 1] = time;

    /// <summary>A row of initial values for <paramref name="key"/>, replacing any it had.</summary>
    public void Initialize(int key, long expiration)
    {
        if (key >= _slotOfKey.Length) Array.Resize(ref _slotOfKey, KeyArrays.Capacity(key));
        if (_slotOfKey[key] == 0)
        {
            int slot = _free.Count > 0 ? _free.Pop() : NewSlot();
            _slotOfKey[key] = slot + 1;
            Count++;
        }
        Row(key).Fill(initialValue);
        SetExpiration(key, expiration);
    }

    public void Remove(int key)
    {
        _free.Push(_slotOfKey[key] - 1);
        _slotOfKey[key] = 0;
        Count--;
    }

    private int NewSlot()
    {
        if (_slots == _expiration.Length)
        {
            int capacity = Math.Max(16, _slots * 2);
            Array.Resize(ref _expiration, capacity);
            Array.Resize(ref _values, capacity * partitions);
        }
        return _slots++;
    }
}
