using PartLy.Core.Partitioning;

namespace PartLy.Core.Metrics;

/// <summary>Mean, 95th percentile (nearest rank) and maximum of a per-batch metric over a run.</summary>
public sealed record Stat(double Mean, double P95, double Max)
{
    public static Stat Of(List<double> values)
    {
        if (values.Count == 0) return new Stat(0, 0, 0);
        var sorted = values.ToArray();
        Array.Sort(sorted);
        double sum = 0;
        foreach (double v in sorted) sum += v;
        int rank = (int)Math.Ceiling(0.95 * sorted.Length) - 1;
        return new Stat(sum / sorted.Length, sorted[Math.Clamp(rank, 0, sorted.Length - 1)], sorted[^1]);
    }
}

/// <summary>The results of one strategy over one run.</summary>
public sealed record StrategyResult(
    string Strategy, string Name, InformationMode Mode, long Batches, long Tuples,
    Stat SizeImbalance, Stat CardinalityImbalance, Stat Replication, Stat WeightedReplication,
    Stat SplitKeys, Stat ExtraFragments, Stat Migration, Stat ProcessingTime, Stat Cost,
    double StreamImbalance, double StreamReplication, double TuplesPerSecond, string Parameters = "", string State = "");

/// <summary>The reference bounds over the batches of a run.</summary>
public sealed record BoundsSummary(Stat NoSplitFloor, Stat ReplicationFloor, Stat WeightedReplicationFloor);

/// <summary>Collects the per-batch metrics of one strategy over a run.</summary>
public sealed class RunAccumulator(string strategy, string name, InformationMode mode, CostWeights? weights = null)
{
    private readonly CostWeights _weights = weights ?? new CostWeights();
    private readonly List<double> _imbalance = [], _cardinality = [], _replication = [], _weighted = [],
        _split = [], _extra = [], _migration = [], _time = [], _cost = [];
    private long _tuples;

    public void Add(in BatchMetrics m)
    {
        _imbalance.Add(m.SizeImbalance);
        _cardinality.Add(m.CardinalityImbalance);
        _replication.Add(m.Replication);
        _weighted.Add(m.WeightedReplication);
        _split.Add(m.SplitKeys);
        _extra.Add(m.ExtraFragments);
        _migration.Add(m.MigrationFraction);
        _time.Add(m.ProcessingTime);
        _cost.Add(_weights.Cost(m));
        _tuples += m.Tuples;
    }

    /// <param name="tuplesPerSecond">Routing speed, measured apart (in steady state).</param>
    /// <param name="parameters">The strategy's parameters, defaults included; <paramref name="state"/> what it learned.</param>
    public StrategyResult Result(double streamImbalance, double streamReplication, double tuplesPerSecond, string parameters = "", string state = "")
    {
        return new StrategyResult(strategy, name, mode, _imbalance.Count, _tuples,
            Stat.Of(_imbalance), Stat.Of(_cardinality), Stat.Of(_replication), Stat.Of(_weighted),
            Stat.Of(_split), Stat.Of(_extra), Stat.Of(_migration), Stat.Of(_time), Stat.Of(_cost),
            streamImbalance, streamReplication, tuplesPerSecond, parameters, state);
    }
}

/// <summary>Collects the bounds of every batch of a run.</summary>
public sealed class BoundsAccumulator
{
    private readonly List<double> _noSplit = [], _replication = [], _weighted = [];

    public void Add(in BatchBounds b)
    {
        _noSplit.Add(b.NoSplitFloor);
        _replication.Add(b.ReplicationFloor);
        _weighted.Add(b.WeightedReplicationFloor);
    }

    public BoundsSummary Result() => new(Stat.Of(_noSplit), Stat.Of(_replication), Stat.Of(_weighted));
}
