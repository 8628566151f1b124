namespace PartLy.Core.Metrics;

/// <summary>The metrics of one partitioned batch (definitions in PROBLEM.md section 2).</summary>
/// <param name="Tuples">T.</param>
/// <param name="Keys">Distinct keys K.</param>
/// <param name="Partitions">P.</param>
/// <param name="SizeImbalance">λ = max L_i / (T/P) − 1.</param>
/// <param name="CardinalityImbalance">The same over distinct keys per block.</param>
/// <param name="Replication">Σ_k m_k / K.</param>
/// <param name="WeightedReplication">Σ_k c_k·m_k / T.</param>
/// <param name="SplitKeys">#{k : m_k > 1}.</param>
/// <param name="ExtraFragments">Σ_k (m_k − 1).</param>
/// <param name="Migration">Tuples whose block did not hold their key in the previous batch (keys of the previous batch only).</param>
/// <param name="ProcessingTime">The cost model's simulated time.</param>
public readonly record struct BatchMetrics(
    int Tuples, int Keys, int Partitions,
    double SizeImbalance, double CardinalityImbalance,
    double Replication, double WeightedReplication,
    int SplitKeys, int ExtraFragments, int Migration, double ProcessingTime)
{
    public double MigrationFraction => Tuples == 0 ? 0 : (double)Migration / Tuples;
}

/// <summary>Reference bounds of a batch (PROBLEM.md section 2): what no partitioner can beat.</summary>
/// <param name="NoSplitFloor">max(0, P·max_k c_k / T − 1): λ of the best assignment that never splits.</param>
/// <param name="ReplicationFloor">Σ_k ⌈c_k/C⌉ / K with C = ⌈T/P⌉.</param>
/// <param name="WeightedReplicationFloor">Σ_k c_k·⌈c_k/C⌉ / T.</param>
public readonly record struct BatchBounds(double NoSplitFloor, double ReplicationFloor, double WeightedReplicationFloor)
{
    public static BatchBounds Compute(Partitioning.KeyCounts counts, int partitions)
    {
        int t = counts.Tuples;
        if (t == 0) return new BatchBounds(0, 1, 1);
        int capacity = (t + partitions - 1) / partitions;
        long fragments = 0, weighted = 0;
        foreach (int key in counts.Distinct)
        {
            int c = counts.CountOf(key);
            int m = (c + capacity - 1) / capacity;
            fragments += m;
            weighted += (long)c * m;
        }
        return new BatchBounds(
            Math.Max(0, (double)partitions * counts.MaxCount / t - 1),
            (double)fragments / counts.DistinctCount,
            (double)weighted / t);
    }
}
