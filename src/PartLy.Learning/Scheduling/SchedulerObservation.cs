using PartLy.Core.Metrics;
using PartLy.Core.Scheduling;
using PartLy.Learning.Rl;

namespace PartLy.Learning.Scheduling;

/// <summary>
/// What the scheduler agent sees before a batch, scale-free: a candidate per next parallelism P′ (hold P, P ± 1, and
/// for each headroom h of 0.5, 0.6 … 1.0 the smallest P′ whose predicted time plus the backlog fits h·I, within
/// [P_min, P_max]), each described by its change, its predicted T(P′) / I and
/// latency / I from the cost model inverted on the last batch (informed: scaled to the coming batch's tuples and
/// distinct keys), P′ / P_max and P′ / P_ref; and, on every row and as the critic's state, the last T / I, the
/// backlog / I, the arrival trend, the batches since the last rescale, the coming batch's size (informed) and how far
/// beyond the interval holding P is predicted to end.
/// One instance follows one run: it keeps the recent batch sizes and when P last changed.
/// </summary>
public sealed class SchedulerObservation(CostModel cost, int referencePartitions)
{
    public const int MaxCandidates = 10;
    public const int CandidateFeatures = 8;
    public const int GlobalFeatures = 9;
    public const int Features = CandidateFeatures + GlobalFeatures;
    public const int StateFeatures = GlobalFeatures + 1;

    private static readonly double[] Headrooms = [0.5, 0.6, 0.7, 0.8, 0.9, 1.0];

    private readonly int[] _partitions = new int[MaxCandidates];
    private readonly float[] _globals = new float[GlobalFeatures];
    private double _previousTuples, _meanTuples;
    private int _sinceRescale;
    private float _bestLatency;

    public static CandidateSpace Space { get; } = new(MaxCandidates, Features);

    /// <summary>The parallelism each candidate of the last observation stands for.</summary>
    public ReadOnlySpan<int> Partitions(Observation observation) => _partitions.AsSpan(0, observation.Count);

    /// <summary>Fills <paramref name="observation"/> for the batch <paramref name="context"/> describes.</summary>
    public void Observe(SchedulerContext context, Observation observation)
    {
        int p = context.Partitions;
        double interval = context.Interval;
        double work = 0, lastLoad = 0;
        if (context.Last is { } last)
        {
            lastLoad = last.ProcessingTime / interval;
            work = Math.Max(0, last.ProcessingTime - cost.PerPartition * last.Partitions) * last.Partitions;
            if (context.Coming is { } coming && context.LastSketch is { } before && Work(before) > 0) work *= Work(coming) / Work(before);
            double tuples = last.Tuples;
            _meanTuples = _meanTuples == 0 ? tuples : 0.9 * _meanTuples + 0.1 * tuples;
            _globals[2] = Clip(_previousTuples > 0 ? tuples / _previousTuples - 1 : 0, 3);
            _globals[3] = Clip(_meanTuples > 0 ? tuples / _meanTuples - 1 : 0, 3);
            _previousTuples = tuples;
            _sinceRescale = last.Rescaled ? 0 : _sinceRescale + 1;
        }
        _globals[0] = (float)Math.Min(lastLoad, 10);
        _globals[1] = (float)Math.Min(context.Backlog / interval, 10);
        _globals[4] = Math.Min(_sinceRescale, 20) / 20f;
        _globals[5] = (float)p / context.MaxPartitions;
        bool informed = context.Coming is not null && context.Last is { Tuples: > 0 };
        _globals[6] = informed ? Clip((double)context.Coming!.Tuples / context.Last!.Value.Tuples - 1, 3) : 0;
        _globals[7] = informed ? 1 : 0;
        int count = Candidates(context, work);
        observation.Count = count;
        // How late holding P would be: every row sees it, so a candidate's score can weigh itself against staying.
        _globals[8] = context.Last is null ? 0 : (float)Math.Min(10, Math.Max(0, (work / p + cost.PerPartition * p + context.Backlog) / interval - 1));
        _bestLatency = float.MaxValue;
        for (int c = 0; c < count; c++)
        {
            int candidate = _partitions[c];
            double time = context.Last is null ? 0 : (work / candidate + cost.PerPartition * candidate) / interval;
            double latency = time + context.Backlog / interval;
            var row = observation.Row(c);
            row[0] = (float)((double)candidate / p - 1);
            row[1] = (float)Math.Log2((double)candidate / p);
            row[2] = (float)Math.Min(time, 10);
            row[3] = (float)Math.Min(latency, 10);
            row[4] = (float)Math.Min(Math.Max(0, latency - 1), 10);
            row[5] = (float)candidate / context.MaxPartitions;
            row[6] = (float)candidate / referencePartitions;
            row[7] = candidate == p ? 0 : 1;
            _globals.CopyTo(row[CandidateFeatures..]);
            _bestLatency = Math.Min(_bestLatency, row[3]);
        }
    }

    /// <summary>The critic's view of the last observation: its globals and the best predicted latency / I.</summary>
    public void FillState(Span<float> state)
    {
        _globals.CopyTo(state);
        state[GlobalFeatures] = _bestLatency;
    }

    private double Work(BatchSketch sketch) => cost.PerTuple * sketch.Tuples + cost.PerDistinctKey * sketch.DistinctKeys;

    private static float Clip(double value, double bound) => (float)Math.Clamp(value, -bound, bound);

    /// <summary>The candidate parallelisms, ascending and distinct; returns how many.</summary>
    private int Candidates(SchedulerContext context, double work)
    {
        int p = context.Partitions, min = context.MinPartitions, max = context.MaxPartitions, count = 0;
        void Add(int candidate)
        {
            candidate = Math.Clamp(candidate, min, max);
            for (int i = 0; i < count; i++) if (_partitions[i] == candidate) return;
            _partitions[count++] = candidate;
        }
        Add(p);
        Add(p - 1);
        Add(p + 1);
        if (context.Last is not null)
            foreach (double headroom in Headrooms)
            {
                double budget = headroom * context.Interval - context.Backlog;
                int fit = max;
                for (int candidate = min; candidate <= max; candidate++)
                    if (work / candidate + cost.PerPartition * candidate <= budget) { fit = candidate; break; }
                Add(fit);
            }
        Array.Sort(_partitions, 0, count);
        return count;
    }
}
