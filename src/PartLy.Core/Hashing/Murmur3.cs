using System.Numerics;
using System.Runtime.CompilerServices;

namespace PartLy.Core.Hashing;

/// <summary>MurmurHash3 (x86, 32-bit) of a single 32-bit key, bit-exact with the reference for a 4-byte input.</summary>
public static class Murmur3
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Hash(int key, uint seed)
    {
        uint k1 = unchecked((uint)key * 0xcc9e2d51);
        k1 = BitOperations.RotateLeft(k1, 15);
        k1 *= 0x1b873593;
        uint h1 = seed ^ k1;
        h1 = BitOperations.RotateLeft(h1, 13);
        h1 = h1 * 5 + 0xe6546b64;
        h1 ^= 4;
        return Mix(h1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Mix(uint h)
    {
        h ^= h >> 16;
        h *= 0x85ebca6b;
        h ^= h >> 13;
        h *= 0xc2b2ae35;
        h ^= h >> 16;
        return h;
    }

    /// <summary>Maps a 32-bit hash uniformly onto [0, range) with a multiply and a shift (Lemire's fast range).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Range(uint hash, int range) => (int)(((ulong)hash * (uint)range) >> 32);

    /// <summary>The block of <paramref name="key"/> under the hash function numbered <paramref name="choice"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Candidate(int key, int choice, int partitions) =>
        Range(Hash(key, 0x9747b28cu + (uint)choice * 0x61c88647u), partitions);
}
