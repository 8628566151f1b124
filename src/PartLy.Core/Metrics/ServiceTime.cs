using System.Globalization;

namespace PartLy.Core.Metrics;

/// <summary>
/// Emulated service time (<c>--service-time emulate[:scale=S,slots=K]</c>): a worker node serves each block for its
/// cost-model time as wall-clock, <see cref="Scale"/> µs of wall-clock per µs of the cost model, on
/// <see cref="Slots"/> task slots (a block waits for a free slot, in block order, as a stream processor's tasks wait
/// for executor cores), and one batch is in service at a time. The nodes then work in parallel without needing CPU,
/// and a partitioner's imbalance shows as measured batch time.
/// </summary>
public sealed record ServiceTime(double Scale = 100, int Slots = 4)
{
    public const string Grammar = "emulate[:scale=S,slots=K]";

    public static ServiceTime Parse(string text)
    {
        var spec = Spec.Parse(text);
        if (spec.Name != "emulate") throw new InputException($"'{text}': the only service time is {Grammar} (S µs of wall-clock per cost-model µs, K task slots per worker)");
        var service = new ServiceTime(spec.Double("scale", 100, 1e-3, 1e6), spec.Int("slots", 4, 1, 64));
        spec.EnsureAllRead("scale", "slots");
        return service;
    }

    /// <summary>The text <see cref="Parse"/> reads back to this value (for a node's command line).</summary>
    public string Format() => string.Create(CultureInfo.InvariantCulture, $"emulate:scale={Scale:R},slots={Slots}");

    /// <summary>Wall-clock seconds a block of <paramref name="costMicroseconds"/> is served for.</summary>
    public double WallSeconds(double costMicroseconds) => costMicroseconds * Scale * 1e-6;

    /// <summary>
    /// The emulation's predicted batch time in wall-clock seconds: each worker serves its blocks in block order on
    /// <see cref="Slots"/> slots (each block to the slot free first), and the batch ends with the last worker. With at
    /// most <see cref="Slots"/> blocks per worker it is the cost model's slowest block.
    /// </summary>
    /// <param name="blockTimes">Each block's cost-model time (µs).</param>
    /// <param name="workerOf">The worker each block went to.</param>
    public double PredictedSeconds(ReadOnlySpan<double> blockTimes, ReadOnlySpan<int> workerOf)
    {
        if (blockTimes.Length != workerOf.Length) throw new ArgumentException("one worker per block");
        int workers = 0;
        foreach (int w in workerOf) workers = Math.Max(workers, w + 1);
        var free = new double[workers * Slots];
        double makespan = 0;
        for (int b = 0; b < blockTimes.Length; b++)
        {
            var slots = free.AsSpan(workerOf[b] * Slots, Slots);
            int first = 0;
            for (int s = 1; s < Slots; s++) if (slots[s] < slots[first]) first = s;
            slots[first] += blockTimes[b];
            makespan = Math.Max(makespan, slots[first]);
        }
        return WallSeconds(makespan);
    }
}
