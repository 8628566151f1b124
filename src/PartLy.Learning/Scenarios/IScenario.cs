using PartLy.Core;
using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;
using PartLy.Learning.Policies;
using PartLy.Learning.Rl;

namespace PartLy.Learning.Scenarios;

/// <summary>
/// A scenario: the agents, their spaces, and the decision process that places one micro-batch (one episode) and
/// stops at each decision. <see cref="PartitionEnv"/> turns the process into Reset/Step.
/// </summary>
public interface IScenario
{
    string Name { get; }

    /// <summary>The agents, by name (PettingZoo's possible_agents).</summary>
    IReadOnlyList<string> Agents { get; }

    CandidateSpace ActionSpace { get; }

    /// <summary>Width of the global state given to the value function (<see cref="IDecisionProcess.FillState"/>).</summary>
    int StateFeatures { get; }

    IDecisionProcess CreateProcess(ScenarioOptions options);

    /// <summary>The scenario's process with a trained policy at every decision, as a partitioner (bench, evaluate, actors).</summary>
    Partitioner CreatePartitioner(CandidatePolicy policy, ScenarioOptions options);
}

/// <summary>
/// One batch placed tuple by tuple: the scenario's rules place the tuples that need no decision, and the process
/// stops at each one that does, with the deciding agent's candidates to observe.
/// </summary>
public interface IDecisionProcess
{
    /// <summary>Forgets what the stream taught (a new stream starts).</summary>
    void ResetStream();

    void BeginBatch(in BatchContext context, ReadOnlySpan<int> keys);

    /// <summary>Places tuples until an agent must decide (true) or the batch is placed (false).</summary>
    bool Advance();

    /// <summary>Fills the deciding agent's observation: one feature row per candidate, the count and the mask.</summary>
    void Observe(Observation observation);

    /// <summary>The global view of the decision at hand, for a centralised critic.</summary>
    void FillState(Span<float> state);

    /// <summary>Applies the agent's choice among the candidates of its last observation.</summary>
    void Act(int action);

    /// <summary>The blocks of the batch's tuples, valid once <see cref="Advance"/> returned false.</summary>
    ReadOnlyMemory<int> Blocks { get; }

    void EndBatch();
}

/// <summary>What a scenario's process is made of.</summary>
public sealed record ScenarioOptions(InformationMode Mode, CostWeights Weights, CostModel? Cost = null, double Slack = 0);

/// <summary>The scenarios by name; a user registers a new one here.</summary>
public static class ScenarioRegistry
{
    private static readonly Dictionary<string, Func<IScenario>> Factories = new(StringComparer.OrdinalIgnoreCase)
    {
        [PartitionerScenario.ScenarioName] = () => new PartitionerScenario(),
        [Pk2Scenario.ScenarioName] = () => new Pk2Scenario(),
    };

    public static IEnumerable<string> Names => Factories.Keys;

    public static void Register(string name, Func<IScenario> factory) => Factories[name] = factory;

    public static bool Exists(string name) => Factories.ContainsKey(name);

    public static IScenario Create(string name) =>
        Factories.TryGetValue(name, out var factory)
            ? factory()
            : throw new InputException($"unknown scenario '{name}' (allowed: {string.Join(", ", Factories.Keys)})");
}

/// <summary>Any scenario's process as a partitioner, taking the policy's most likely action at every decision.</summary>
public sealed class ProcessPartitioner(IDecisionProcess process, CandidatePolicy policy, int maxCandidates, int features, InformationMode mode, string name = "PartLy")
    : Partitioner
{
    private readonly Observation _observation = new(maxCandidates, features);

    public override string Name => name;
    public override InformationMode Mode => mode;

    protected override void Route(in BatchContext context, ReadOnlySpan<int> keys, Span<int> blocks)
    {
        if (context.Index == 0) process.ResetStream();
        process.BeginBatch(context, keys);
        while (process.Advance())
        {
            process.Observe(_observation);
            process.Act(policy.Best(_observation.Candidates, _observation.Count));
        }
        process.Blocks.Span.CopyTo(blocks);
        process.EndBatch();
    }
}
