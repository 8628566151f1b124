using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;
using PartLy.Core.Streams;
using PartLy.Learning.Rl;
using PartLy.Learning.Scenarios;

namespace PartLy.Learning.Tests;

/// <summary>
/// What every registered scenario's environment must do, in the manner of PettingZoo's parallel_test (the API and
/// its spaces) and seed_test (the same seed gives the same trajectory).
/// </summary>
public class EnvironmentConformanceTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (string name in new[] { PartitionerScenario.ScenarioName, Pk2Scenario.ScenarioName })
            foreach (string mode in new[] { "online", "buffered" }) data.Add(name, mode);
        return data;
    }

    private static PartitionEnv Env(string scenario, string mode, ulong seed) =>
        new(ScenarioRegistry.Create(scenario),
            new MixedFeed(["zipf:z=1.5,keys=3000", "zipf:z=0.8,keys=3000"], [7, 30], new BatchPolicy.ByCount(600), 4, seed, 600),
            new ScenarioOptions(mode == "online" ? InformationMode.Online : InformationMode.Buffered, new CostWeights(Migration: 0.5), Slack: 0.01));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Parallel_api_holds_for_every_scenario(string scenario, string mode)
    {
        Assert.Contains(scenario, ScenarioRegistry.Names);
        using var env = Env(scenario, mode, 11);
        var rng = new SplitMix64(3);
        int episodes = 0, decided = 0;
        for (; episodes < 12; episodes++)
        {
            var (observations, infos) = env.Reset();
            Assert.Equal(env.PossibleAgents.Order(), infos.Keys.Order());
            int steps = 0;
            while (env.Agents.Count > 0)
            {
                Assert.All(env.Agents, a => Assert.Contains(a, env.PossibleAgents));
                var actions = new Dictionary<string, int>();
                foreach (string agent in env.Agents)
                {
                    var observation = observations[agent];
                    Assert.True(env.ObservationSpace(agent).Contains(observation.Candidates), "observation outside its space");
                    Assert.InRange(observation.Count, 1, env.ActionSpace(agent).MaxCandidates);
                    for (int c = 0; c < observation.MaxCandidates; c++) Assert.Equal(c < observation.Count, observation.ActionMask[c]);
                    Assert.True(env.StateSpace.Contains(env.State()), "state outside its space");
                    int action = rng.NextInt(observation.Count);
                    Assert.True(env.ActionSpace(agent).Contains(action, observation));
                    actions[agent] = action;
                }
                var step = env.Step(actions);
                steps++;
                foreach (string agent in env.PossibleAgents)
                {
                    Assert.False(step.Truncations[agent]);
                    Assert.Equal(env.Agents.Count == 0, step.Terminations[agent]);
                    if (env.Agents.Count > 0) Assert.Equal(0, step.Rewards[agent]);
                }
                observations = step.Observations;
                infos = step.Infos;
            }
            var end = infos[env.PossibleAgents[0]].Episode;
            Assert.NotNull(end);
            Assert.Equal(steps, end!.Decisions);
            Assert.Equal(env.Current!.Batch.Count, end.Metrics.Tuples);
            Assert.Equal(env.Current.Batch.Count, end.Blocks.Length);
            if (steps > 0) decided++;
        }
        Assert.True(decided > 0, "no episode asked for a decision");
        Assert.Throws<InvalidOperationException>(() => env.Step(new Dictionary<string, int> { [env.PossibleAgents[0]] = 0 }));
    }

    private static List<double> Trajectory(string scenario, string mode, ulong seed)
    {
        using var env = Env(scenario, mode, seed);
        var rng = new SplitMix64(5);
        var trace = new List<double>();
        for (int episode = 0; episode < 8; episode++)
        {
            var (observations, infos) = env.Reset();
            while (env.Agents.Count > 0)
            {
                var o = observations[env.Agents[0]];
                trace.AddRange(o.Candidates.Take(o.Count * o.Features).Select(v => (double)v));
                var step = env.Step(new Dictionary<string, int> { [env.Agents[0]] = rng.NextInt(o.Count) });
                observations = step.Observations;
                infos = step.Infos;
            }
            trace.Add(infos[env.PossibleAgents[0]].Episode!.Reward);
        }
        return trace;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_same_seed_gives_the_same_trajectory(string scenario, string mode)
    {
        Assert.Equal(Trajectory(scenario, mode, 21), Trajectory(scenario, mode, 21));
        Assert.NotEqual(Trajectory(scenario, mode, 21), Trajectory(scenario, mode, 22));
    }
}
