using PartLy.Core.Metrics;
using PartLy.Core.Scheduling;
using PartLy.Learning.Policies;
using PartLy.Learning.Rl;

namespace PartLy.Learning.Scheduling;

/// <summary>
/// The trained scheduler agent as a scheduling rule: before each batch it observes the run
/// (<see cref="SchedulerObservation"/>) and takes the parallelism of its policy's most likely candidate.
/// </summary>
public sealed class LearnedScheduler(CandidatePolicy policy, CostModel cost, int referencePartitions) : IScheduler
{
    private readonly SchedulerObservation _features = new(cost, referencePartitions);
    private readonly Observation _observation = new(SchedulerObservation.MaxCandidates, SchedulerObservation.Features);

    public string Name => "learned";

    public int Choose(SchedulerContext context)
    {
        _features.Observe(context, _observation);
        return _features.Partitions(_observation)[policy.Best(_observation.Candidates, _observation.Count)];
    }
}
