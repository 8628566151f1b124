using PartLy.Core.Partitioning;
using PartLy.Core.Streams;
using PartLy.Learning.Rl;
using PartLy.Learning.Scenarios;

namespace PartLy.Learning;

/// <summary>
/// A trained policy as a partitioner, so that it runs wherever the baselines run (bench, evaluate, actors). It drives
/// the same scenario dynamics as training and takes the policy's most likely action at every decision. For ablations
/// the decisions can come from a fixed rule instead (<see cref="WithFixedChoice"/>): the scenario's rules stay, only
/// the choice among the candidates changes.
/// </summary>
public sealed class LearnedPartitioner : Partitioner
{
    private readonly IScenario _scenario;
    private readonly Func<Observation, int> _choose;
    private readonly PartitionWorld _world;
    private readonly Observation _observation;
    private readonly string _agent;

    public LearnedPartitioner(IScenario scenario, CandidatePolicy policy, ScenarioOptions options, string name = "PartLy")
        : this(scenario, o => policy.Best(o.Candidates, o.Count), options, name) { }

    private LearnedPartitioner(IScenario scenario, Func<Observation, int> choose, ScenarioOptions options, string name)
    {
        _scenario = scenario;
        _choose = choose;
        _world = scenario.MakeWorld(options);
        _observation = new Observation(scenario.ActionSpace.MaxCandidates, scenario.ActionSpace.Features, scenario.GlobalFeatures) { NeedsGlobals = false };
        _agent = scenario.Agents[0];
        Name = name;
        Mode = options.Mode;
    }

    /// <summary>The fixed rules an ablation compares a policy with.</summary>
    public static IReadOnlyList<string> FixedChoices { get; } = ["first", "random"];

    /// <summary>
    /// The scenario with a fixed choice at every decision: <c>first</c> takes the first candidate (the key's reserved
    /// block, else its block of the last batch, else the roomiest), <c>random</c> a uniformly random one (seeded).
    /// </summary>
    public static LearnedPartitioner WithFixedChoice(IScenario scenario, ScenarioOptions options, string choice, ulong seed)
    {
        var random = new SplitMix64(seed);
        Func<Observation, int> choose = choice switch
        {
            "first" => _ => 0,
            "random" => o => random.NextInt(o.Count),
            _ => throw new InputException($"fixed choice '{choice}' is not one of {string.Join(", ", FixedChoices)}"),
        };
        return new LearnedPartitioner(scenario, choose, options, $"Rules ({choice} candidate)");
    }

    public override string Name { get; }
    public override InformationMode Mode { get; }

    /// <summary>Decisions taken in the last batch.</summary>
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
            _scenario.Act(_agent, _world, _choose(_observation));
            decisions++;
        }
        LastDecisions = decisions;
        _world.Blocks.AsSpan(0, keys.Length).CopyTo(blocks);
        _world.EndBatch(measure: false);
    }
}
