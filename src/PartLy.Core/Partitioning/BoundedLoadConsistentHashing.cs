using PartLy.Core.Hashing;

namespace PartLy.Core.Partitioning;

/// <summary>
/// Consistent hashing with bounded loads (Mirrokni, Thorup, Zadimoghaddam, SODA 2018): blocks sit on a hash ring
/// with virtual nodes; a tuple goes to the first block clockwise from its key whose load is below
/// ⌈(1 + ε) · m / P⌉, m counting the tuples of the batch placed so far including this one.
/// </summary>
public sealed class BoundedLoadConsistentHashing : Partitioner
{
    private readonly double _epsilon;
    private readonly int _virtualNodes;
    private int[] _ringBlocks = [];
    private uint[] _ringPoints = [];
    private int _ringPartitions;
    private int[] _keyStart = []; // ring index + 1; 0 = not computed for this ring

    public BoundedLoadConsistentHashing(double epsilon = 0.25, int virtualNodes = 100)
    {
        if (epsilon <= 0 || double.IsNaN(epsilon)) throw new ArgumentOutOfRangeException(nameof(epsilon), $"eps must be above 0, got {epsilon}");
        if (virtualNodes < 1) throw new ArgumentOutOfRangeException(nameof(virtualNodes), "at least one virtual node");
        _epsilon = epsilon;
        _virtualNodes = virtualNodes;
    }

    public override string Name => "CH-BL";

    protected override void Route(in BatchContext context, ReadOnlySpan<int> keys, Span<int> blocks)
    {
        int p = context.Partitions;
        if (_ringPartitions != p) BuildRing(p);
        var loads = Loads;
        int ring = _ringBlocks.Length;
        for (int i = 0; i < keys.Length; i++)
        {
            int key = keys[i];
            EnsureKey(ref _keyStart, key);
            int start = _keyStart[key] - 1;
            if (start < 0)
            {
                start = RingIndex(Murmur3.Hash(key, 0x2545f491u));
                _keyStart[key] = start + 1;
            }
            int cap = (int)Math.Ceiling((1 + _epsilon) * (i + 1) / p);
            int index = start, block = _ringBlocks[index];
            while (loads[block] >= cap)
            {
                if (++index == ring) index = 0;
                block = _ringBlocks[index];
            }
            blocks[i] = block;
            loads[block]++;
        }
    }

    private void BuildRing(int p)
    {
        var points = new (uint Point, int Block)[p * _virtualNodes];
        for (int b = 0; b < p; b++)
            for (int v = 0; v < _virtualNodes; v++)
                points[b * _virtualNodes + v] = (Murmur3.Hash(b * _virtualNodes + v, 0x85ebca6bu), b);
        Array.Sort(points, (x, y) => x.Point != y.Point ? x.Point.CompareTo(y.Point) : x.Block.CompareTo(y.Block));
        _ringPoints = Array.ConvertAll(points, x => x.Point);
        _ringBlocks = Array.ConvertAll(points, x => x.Block);
        _ringPartitions = p;
        Array.Clear(_keyStart);
    }

    private int RingIndex(uint hash)
    {
        int index = Array.BinarySearch(_ringPoints, hash);
        if (index < 0) index = ~index;
        return index == _ringPoints.Length ? 0 : index;
    }
}
