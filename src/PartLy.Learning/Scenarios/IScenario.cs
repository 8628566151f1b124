using PartLy.Core.Metrics;
using PartLy.Learning.Rl;

namespace PartLy.Learning.Scenarios;

/// <summary>
/// A scenario, defined the way the seed defines them: make the world once per training session, reset it before
/// every episode (one micro-batch), and give each agent its observation and its reward. Between decisions the
/// scenario's own dynamics place the tuples that need no decision.
/// </summary>
public interface IScenario
{
    string Name { get; }

    /// <summary>The agents, by name (PettingZoo style).</summary>
    IReadOnlyList<string> Agents { get; }

    CandidateSpace ActionSpace { get; }

    /// <summary>Width of the global features given to the value function.</summary>
    int GlobalFeatures { get; }

    PartitionWorld MakeWorld(ScenarioOptions options);

    /// <summary>Prepares the world for the batch it was just given (<see cref="PartitionWorld.BeginBatch"/>).</summary>
    void ResetWorld(PartitionWorld world);

    /// <summary>Places tuples until an agent must decide (true) or the batch is placed (false).</summary>
    bool Advance(PartitionWorld world);

    /// <summary>Fills the deciding agent's observation: one feature row per candidate action.</summary>
    void Observe(string agent, PartitionWorld world, Observation observation);

    /// <summary>Applies the agent's choice among the candidates of its last observation.</summary>
    void Act(string agent, PartitionWorld world, int action);

    /// <summary>The agent's reward once the batch is placed and measured (the negative weighted cost).</summary>
    double Reward(string agent, PartitionWorld world);
}

/// <summary>What a scenario's world is made of.</summary>
public sealed record ScenarioOptions(PartLy.Core.Partitioning.InformationMode Mode, CostWeights Weights, PartLy.Core.Metrics.CostModel? Cost = null, double Slack = 0);

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

    public static IScenario Create(string name) =>
        Factories.TryGetValue(name, out var factory)
            ? factory()
            : throw new PartLy.Core.Streams.InputException($"--scenario: unknown scenario '{name}' (allowed: {string.Join(", ", Factories.Keys)})");
}
