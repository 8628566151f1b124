using System.Runtime.Intrinsics;

namespace PartLy.Core.Partitioning.Reserving;

/// <summary>The block with the most room, room[b] + shares[b]·slope, over arrays padded to whole vectors.</summary>
internal static class RoomArgmax
{
    /// <summary>The first block of the maximum (the same result with and without SIMD: multiply, then add, no fusing).</summary>
    public static int Of(float[] room, float[] shares, float slope)
    {
        if (Vector256.IsHardwareAccelerated && room.Length >= Vector256<float>.Count)
        {
            var bestValue = Vector256.Create(float.NegativeInfinity);
            var bestIndex = Vector256<int>.Zero;
            var index = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
            var step = Vector256.Create(Vector256<float>.Count);
            var slopes = Vector256.Create(slope);
            for (int b = 0; b < room.Length; b += Vector256<float>.Count)
            {
                var value = Vector256.LoadUnsafe(ref room[b]) + Vector256.LoadUnsafe(ref shares[b]) * slopes;
                var greater = Vector256.GreaterThan(value, bestValue);
                bestValue = Vector256.ConditionalSelect(greater, value, bestValue);
                bestIndex = Vector256.ConditionalSelect(greater.AsInt32(), index, bestIndex);
                index += step;
            }
            // The maximum over the lanes, then the smallest index among the lanes that hold it. Room is never NaN, and
            // +0 and −0 compare equal below, so the native max (no IEEE fix-ups) gives the same block.
            var max = Vector256.MaxNative(bestValue, Vector256.Shuffle(bestValue, Vector256.Create(4, 5, 6, 7, 0, 1, 2, 3)));
            max = Vector256.MaxNative(max, Vector256.Shuffle(max, Vector256.Create(2, 3, 0, 1, 6, 7, 4, 5)));
            max = Vector256.MaxNative(max, Vector256.Shuffle(max, Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6)));
            var candidates = Vector256.ConditionalSelect(Vector256.Equals(bestValue, max).AsInt32(), bestIndex, Vector256.Create(int.MaxValue));
            var min = Vector256.MinNative(candidates, Vector256.Shuffle(candidates, Vector256.Create(4, 5, 6, 7, 0, 1, 2, 3)));
            min = Vector256.MinNative(min, Vector256.Shuffle(min, Vector256.Create(2, 3, 0, 1, 6, 7, 4, 5)));
            min = Vector256.MinNative(min, Vector256.Shuffle(min, Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6)));
            return min.ToScalar();
        }
        int first = 0;
        float top = float.NegativeInfinity;
        for (int b = 0; b < room.Length; b++)
        {
            float v = room[b] + shares[b] * slope;
            if (v > top) { top = v; first = b; }
        }
        return first;
    }
}
