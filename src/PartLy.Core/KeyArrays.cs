namespace PartLy.Core;

/// <summary>
/// The capacity of an array indexed by key id: room for the key and an eighth more, so that arrays grow
/// geometrically (amortised O(1)) without doubling past the key space (ids are dense, and a stream's first batch
/// already holds keys near its largest id).
/// </summary>
public static class KeyArrays
{
    public static int Capacity(int key) => Math.Max(1024, key + 1 + ((key + 1) >> 3));
}
