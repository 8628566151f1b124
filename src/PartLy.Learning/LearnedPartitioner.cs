using PartLy.Core.Partitioning;
using PartLy.Learning.Rl;
using PartLy.Learning.Scenarios;

namespace PartLy.Learning;

/// <summary>
/// A trained policy as a partitioner, so that it runs wherever the baselines run (bench, evaluate, actors). It drives
/// the same scenario dynamics as training and takes the policy's most likely action at every decision.
/// </summary>
public sealed class LearnedPartitioner : Partitioner
{
    private readonly IScenario _scenario;
    private readonly CandidatePolicy _policy;
    private readonly PartitionWorld _world;
    private readonly Observation _observation;
    private readonly string _agent;

    public LearnedPartitioner(IScenario scenario, CandidatePolicy policy, ScenarioOptions options, string name = "PartLy")
    {
        _scenario = scenario;
        _policy = policy;
        _world = scenario.MakeWorld(options);
        _observation = new Observation(scenario.ActionSpace.MaxCandidates, scenario.ActionSpace.Features, scenario.GlobalFeatures) { NeedsGlobals = false };
        _agent = scenario.Agents[0];
        Name = name;
        Mode = options.Mode;
    }

    public override string Name { get; }
    public override InformationMode Mode { get; }

    /// <summary>Decisions the policy took in the last batch.</summary>
    public int LastDecisions { get; private set; }

    protected override void Route(in BatchContext context, ReadOnlySpan<int> keys, Span<int> blocks)
    {
        if (context.Index == 0) _world.ResetStream();
        _world.BeginBatch(keys, context.Partitions, context.ExpectedTuples, context.Index);
        _scenario.ResetWorld(_world);
        int decisions = 0;
        while (_scenario.Advance(_world))
        {
            _scenario.Observe(_agent, _world, _observation);
            _scenario.Act(_agent, _world, _policy.Best(_observation.Candidates, _observation.Count));
            decisions++;
        }
        LastDecisions = decisions;
        _world.Blocks.AsSpan(0, keys.Length).CopyTo(blocks);
        _world.EndBatch(measure: false);
    }
}
