using System.Globalization;
using PartLy.Core.Metrics;
using PartLy.Core.Scheduling;
using PartLy.Core.Streams;

namespace PartLy.Learning.Scheduling;

/// <summary>What the scheduler's environment is made of (the team cost's weights, the partitioner, the bounds of P).</summary>
/// <param name="Partitioner">The frozen partitioner that places every batch (a strategy of <c>partly strategies</c>), unless <paramref name="PartitionerPolicy"/> is given.</param>
/// <param name="PartitionerPolicy">A trained partitioner's policy that places every batch instead.</param>
/// <param name="MaxMigrationCost">Each episode charges a migration cost drawn from [0, this] µs per moved tuple.</param>
/// <param name="MaxSteps">Batches of an episode.</param>
public sealed record SchedulingEnvOptions(CostModel Cost, TeamCost Team, string Partitioner = "greedy", int StartPartitions = 4, int MaxPartitions = 16,
    bool Informed = false, int Lag = 0, int MaxSteps = 200, double MaxMigrationCost = 0.5, Checkpoint? PartitionerPolicy = null)
{
    public string PartitionerName => PartitionerPolicy is null ? Partitioner : SchedulerCheckpoint.LearnedPartitioner;

    public Core.Partitioning.Partitioner CreatePartitioner() => PartitionerPolicy?.CreatePartitioner() ?? Core.Partitioning.Strategies.Create(Partitioner);
}

/// <summary>
/// One episode's stream, drawn from a seed: a Zipf workload (z in [0.8, 1.4], 10,000 keys) cut every millisecond at a
/// base load drawn in [0.5, 0.9] of the interval at the starting parallelism, with a rate profile: a spike (×1.5-3
/// for 1-30 batches), a wave (amplitude 0.2-0.6, period 100-400 batches), a step (×0.6-1.8), or none; 0-15% noise.
/// </summary>
public sealed record SchedulingWorkload(string Spec, long Tuples, ulong Seed, double TuplesPerBatch, double MigrationCost)
{
    /// <summary>Tuples per 1 ms batch at which the greedy on 4 blocks takes about 0.85 of the interval (z = 1, 10,000 keys).</summary>
    private const double TuplesAtLoad085 = 1400;

    public BatchPolicy.ByInterval Interval { get; } = new(1000);

    public WorkloadStream Stream() => new(Spec, Tuples, Seed, TuplesPerBatch);

    public static SchedulingWorkload Draw(ulong seed, SchedulingEnvOptions options)
    {
        var random = new SplitMix64(seed ^ 0x9E3779B97F4A7C15UL);
        double Uniform(double low, double high) => low + (high - low) * random.NextDouble();
        var inv = CultureInfo.InvariantCulture;
        double z = Uniform(0.8, 1.4);
        double perBatch = Math.Round(TuplesAtLoad085 * Uniform(0.5, 0.9) / 0.85 * options.StartPartitions / 4);
        string profile = random.NextInt(4) switch
        {
            0 => string.Create(inv, $",spike={Uniform(1.5, 3):F2}@{10 + random.NextInt(70)}+{1 + random.NextInt(30)}"),
            1 => string.Create(inv, $",wave={Uniform(0.2, 0.6):F2},period={(100 + random.NextInt(300)) / 1000.0:F3}"),
            2 => string.Create(inv, $",step={Uniform(0.6, 1.8):F2}@{10 + random.NextInt(70)}"),
            _ => "",
        };
        double noise = Uniform(0, 0.15);
        string spec = string.Create(inv, $"zipf:z={z:F2},keys=10000,rate={perBatch * 1000:F0}{profile},noise={noise:F2}");
        return new SchedulingWorkload(spec, (long)(perBatch * options.MaxSteps * 1.5), random.NextUInt64(), perBatch, Uniform(0, options.MaxMigrationCost));
    }
}
