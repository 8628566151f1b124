using PartLy.Core.Hashing;
using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;
using PartLy.Core.Partitioning.Reserving;
using PartLy.Core.Streams;
using PartLy.Learning.Policies;
using PartLy.Learning.Rl;
using PartLy.Learning.Scenarios;

namespace PartLy.Learning.Tests;

public class ScenarioTests
{
    internal static PartitionEnv Env(IScenario scenario, int partitions, double z = 1.5, InformationMode mode = InformationMode.Online,
        CostWeights? weights = null, double slack = 0, int batch = 1000) =>
        new(scenario, new SourceFeed(() => new SyntheticSource("zipf", 2000, z, 40_000, 3), new BatchPolicy.ByCount(batch), partitions),
            new ScenarioOptions(mode, weights ?? new CostWeights(), Slack: slack));

    /// <summary>Plays one episode with uniformly random valid actions; returns the batch's keys, blocks, last step and outcome.</summary>
    internal static (int[] Keys, int[] Blocks, StepResult? Last, EpisodeEnd End) PlayRandom(IParallelEnv env, SplitMix64 rng)
    {
        var (observations, infos) = env.Reset();
        var keys = env.Current!.Batch.Keys;
        StepResult? last = null;
        while (env.Agents.Count > 0)
        {
            var actions = env.Agents.ToDictionary(a => a, a => rng.NextInt(observations[a].Count));
            last = env.Step(actions);
            observations = last.Observations;
            infos = last.Infos;
        }
        var end = infos[env.PossibleAgents[0]].Episode!;
        return (keys, end.Blocks.ToArray(), last, end);
    }

    [Theory]
    [InlineData(PartitionerScenario.ScenarioName)]
    [InlineData(Pk2Scenario.ScenarioName)]
    public void Every_tuple_is_placed_once_on_a_valid_block(string name)
    {
        foreach (int p in new[] { 1, 10, 50 })
        {
            using var env = Env(ScenarioRegistry.Create(name), p);
            var rng = new SplitMix64(1);
            for (int episode = 0; episode < 5; episode++)
            {
                var (keys, blocks, _, end) = PlayRandom(env, rng);
                Assert.Equal(1000, keys.Length);
                Assert.Equal(1000, blocks.Length);
                Assert.All(blocks, b => Assert.InRange(b, 0, p - 1));
                Assert.Equal(1000, end.Metrics.Tuples);
            }
        }
    }

    [Fact]
    public void The_partitioner_scenario_never_overfills_a_block_of_a_count_based_batch()
    {
        using var env = Env(new PartitionerScenario(), 50, z: 2.0);
        var rng = new SplitMix64(2);
        for (int episode = 0; episode < 10; episode++) Assert.Equal(0.0, PlayRandom(env, rng).End.Metrics.SizeImbalance, 9);
    }

    [Fact]
    public void With_slack_a_count_based_batch_stays_within_it()
    {
        using var env = Env(new PartitionerScenario(), 10, z: 1.0, slack: 0.02, batch: 2000);
        var rng = new SplitMix64(6);
        for (int episode = 0; episode < 10; episode++) Assert.InRange(PlayRandom(env, rng).End.Metrics.SizeImbalance, 0, 0.02 + 1e-12);
    }

    [Fact]
    public void Pk2_places_each_key_only_on_its_two_candidates()
    {
        using var env = Env(new Pk2Scenario(), 10);
        var rng = new SplitMix64(4);
        for (int episode = 0; episode < 5; episode++)
        {
            var (keys, blocks, _, end) = PlayRandom(env, rng);
            Assert.Equal(keys.Distinct().Count(), end.Decisions);
            for (int i = 0; i < keys.Length; i++)
                Assert.Contains(blocks[i], new[] { Murmur3.Candidate(keys[i], 0, 10), Murmur3.Candidate(keys[i], 1, 10) });
        }
    }

    [Fact]
    public void The_reward_is_the_negative_weighted_cost_of_the_batch_computed_from_its_blocks()
    {
        var weights = new CostWeights(Imbalance: 2, Replication: 0.5, Cardinality: 0.25, Migration: 1);
        using var env = Env(new PartitionerScenario(), 10, weights: weights);
        var rng = new SplitMix64(5);
        int[]? previous = null, previousKeys = null;
        for (int episode = 0; episode < 4; episode++)
        {
            var (keys, blocks, last, _) = PlayRandom(env, rng);
            Assert.NotNull(last);
            // The cost, measured here from the keys and blocks alone.
            var sizes = new int[10];
            var pairs = new HashSet<(int, int)>();
            foreach (var (k, b) in keys.Zip(blocks)) { sizes[b]++; pairs.Add((k, b)); }
            var distinct = new int[10];
            foreach (var (_, b) in pairs) distinct[b]++;
            int keyCount = keys.Distinct().Count();
            double lambda = sizes.Max() * 10.0 / keys.Length - 1;
            double replication = (double)pairs.Count / keyCount;
            double cardinality = distinct.Max() * 10.0 / pairs.Count - 1;
            double migration = 0;
            if (previous is not null)
            {
                var lastPairs = previousKeys!.Zip(previous).ToHashSet();
                var lastKeys = previousKeys!.ToHashSet();
                migration = keys.Zip(blocks).Count(t => lastKeys.Contains(t.First) && !lastPairs.Contains(t)) / (double)keys.Length;
            }
            double expected = -(2 * lambda + 0.5 * (replication - 1) + 0.25 * cardinality + migration);
            Assert.Equal(expected, last!.Rewards[PartitionerScenario.Agent], 9);
            (previous, previousKeys) = (blocks, keys);
        }
    }

    [Fact]
    public void An_action_outside_the_candidates_is_refused()
    {
        using var env = Env(new PartitionerScenario(), 10);
        var (observations, _) = env.Reset();
        Assert.NotEmpty(env.Agents);
        int count = observations[PartitionerScenario.Agent].Count;
        Assert.False(observations[PartitionerScenario.Agent].ActionMask[count]);
        Assert.Throws<ArgumentOutOfRangeException>(() => env.Step(new Dictionary<string, int> { [PartitionerScenario.Agent] = count }));
    }

    [Fact]
    public void The_learned_partitioner_is_the_reserving_partitioner_with_the_policy_as_its_chooser()
    {
        var policy = new CandidatePolicy(CandidateFeatures.Count, CandidateFeatures.State.Count, ReservingPartitioner.MaxCandidates, seed: 4);
        var options = new ScenarioOptions(InformationMode.Online, new CostWeights());
        var learned = new PartitionerScenario().CreatePartitioner(policy, options);
        var again = new PartitionerScenario().CreatePartitioner(policy, options);
        var rules = new ReservingPartitioner(PartitionerScenario.PartitionerOptions(options));
        using var source = new SyntheticSource("zipf", 5000, 1.5, 10_000, 8);
        var batcher = new MicroBatcher(source, new BatchPolicy.ByCount(1000));
        var analyzer = new BatchAnalyzer();
        bool differs = false;
        while (batcher.TryNext(out var batch))
        {
            var a = new int[batch.Count];
            var b = new int[batch.Count];
            var r = new int[batch.Count];
            var context = new BatchContext(batch.Index, 20, batch.ExpectedTuples);
            learned.Partition(context, batch.Keys, a);
            again.Partition(context, batch.Keys, b);
            rules.Partition(context, batch.Keys, r);
            Assert.Equal(a, b);
            differs |= !a.AsSpan().SequenceEqual(r);
            Assert.Equal(0.0, analyzer.Analyze(batch.Keys, a, 20).SizeImbalance, 9);
        }
        Assert.True(differs, "an untrained policy chose like the first-candidate rule in every batch");
    }
}
