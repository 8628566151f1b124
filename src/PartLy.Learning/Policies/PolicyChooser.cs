using PartLy.Core.Partitioning.Reserving;
using PartLy.Learning.Rl;
using PartLy.Learning.Scenarios;

namespace PartLy.Learning.Policies;

/// <summary>A trained policy as the reserving partitioner's chooser: the highest-scoring candidate at each decision.</summary>
public sealed class PolicyChooser(CandidatePolicy policy) : IHotKeyChooser
{
    private readonly Observation _observation = new(ReservingPartitioner.MaxCandidates, CandidateFeatures.Count);

    public int Choose(ReservingPartitioner partitioner)
    {
        PartitionerScenario.Observe(partitioner, _observation);
        return policy.Best(_observation.Candidates, _observation.Count);
    }
}
