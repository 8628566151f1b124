using PartLy.Core.Partitioning;
using PartLy.Core.Partitioning.Reserving;
using PartLy.Learning.Policies;
using PartLy.Learning.Rl;

namespace PartLy.Learning.Scenarios;

/// <summary>
/// The general partitioner scenario: one agent chooses, at each hot-key decision of the
/// <see cref="ReservingPartitioner"/>, one of its candidate blocks, for any P (the rules are the partitioner's; the
/// agent only chooses). Features per candidate: <see cref="CandidateFeatures"/>.
/// </summary>
public sealed class PartitionerScenario : IScenario
{
    public const string ScenarioName = "partitioner";
    public const string Agent = "partitioner_0";

    public string Name => ScenarioName;
    public IReadOnlyList<string> Agents { get; } = [Agent];
    public CandidateSpace ActionSpace { get; } = new(ReservingPartitioner.MaxCandidates, CandidateFeatures.Count);
    public int StateFeatures => CandidateFeatures.State.Count;

    public static ReservingOptions PartitionerOptions(ScenarioOptions options) =>
        new(options.Mode, options.Slack, Locality: options.Weights.Migration > 0);

    public IDecisionProcess CreateProcess(ScenarioOptions options) => new Process(new ReservingPartitioner(PartitionerOptions(options)));

    public Partitioner CreatePartitioner(CandidatePolicy policy, ScenarioOptions options) =>
        new ReservingPartitioner(PartitionerOptions(options), new PolicyChooser(policy), "PartLy");

    /// <summary>Fills one observation row per candidate of the partitioner's decision at hand.</summary>
    public static void Observe(ReservingPartitioner partitioner, Observation observation)
    {
        var candidates = partitioner.Candidates;
        var (h0, h1) = partitioner.DecisionHashChoices;
        observation.Count = candidates.Length;
        for (int n = 0; n < candidates.Length; n++)
        {
            int b = candidates[n];
            CandidateFeatures.Describe(observation.Row(n), partitioner.Placer, partitioner.DecisionKey, b, partitioner.DecisionCapacity,
                partitioner.DecisionRemaining, hashChoice: b == h0 || b == h1, reserved: b == partitioner.DecisionPlanned);
        }
    }

    private sealed class Process(ReservingPartitioner partitioner) : IDecisionProcess
    {
        public void ResetStream() => partitioner.ResetStream();
        public void BeginBatch(in BatchContext context, ReadOnlySpan<int> keys) => partitioner.BeginBatch(context, keys);
        public bool Advance() => partitioner.AdvanceToDecision();
        public void Observe(Observation observation) => PartitionerScenario.Observe(partitioner, observation);

        public void FillState(Span<float> state) =>
            CandidateFeatures.FillState(state, partitioner.Placer, partitioner.DecisionKey, partitioner.DecisionCapacity);

        public void Act(int action) => partitioner.Decide(action);
        public ReadOnlyMemory<int> Blocks => partitioner.Placer.Blocks.AsMemory(0, partitioner.Placer.Tuples);
        public void EndBatch() => partitioner.EndBatch();
    }
}
