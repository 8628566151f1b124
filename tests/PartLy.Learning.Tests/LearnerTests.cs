using PartLy.Core;
using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;
using PartLy.Core.Streams;
using PartLy.Learning.Algorithms;
using PartLy.Learning.Policies;
using PartLy.Learning.Rl;
using PartLy.Learning.Scenarios;
using PartLy.Learning.Training;

namespace PartLy.Learning.Tests;

public class LearnerTests
{
    /// <summary>A one-step bandit: three candidates, the one whose first feature is 1 pays 1, the others 0.</summary>
    private static double TrainBandit(string algorithm, int updates)
    {
        var policy = new CandidatePolicy(features: 3, globals: 1, maxCandidates: 3, hidden: 8, seed: 1);
        var learner = PolicyGradients.Create(new LearnerOptions(Algorithm: algorithm, LearningRate: 0.01, AnnealLearningRate: false), 2);
        var buffer = new RolloutBuffer(3, 3, 1);
        var rng = new SplitMix64(3);
        var observation = new Observation(3, 3) { Count = 3 };
        var state = new float[1];
        double lastMean = 0;
        for (int u = 0; u < updates; u++)
        {
            double paid = 0;
            for (int e = 0; e < 64; e++)
            {
                int correct = rng.NextInt(3);
                for (int c = 0; c < 3; c++)
                {
                    var row = observation.Row(c);
                    row[0] = c == correct ? 1 : 0;
                    row[1] = (float)rng.NextDouble();
                    row[2] = 0.5f;
                }
                int action = policy.Act(observation, rng, false, out float logP);
                buffer.Add(observation, state, action, logP, policy.EvaluateValue(state));
                double reward = action == correct ? 1 : 0;
                paid += reward;
                buffer.EndEpisode(reward);
            }
            lastMean = paid / 64;
            learner.Update(buffer, policy, (double)u / updates);
            buffer.Clear();
        }
        return lastMean;
    }

    [Theory]
    [InlineData("ppo")]
    [InlineData("reinforce")]
    public void A_learner_s_state_written_between_updates_goes_on_as_if_it_had_never_stopped(string algorithm)
    {
        var options = new LearnerOptions(Algorithm: algorithm, LearningRate: 0.01, AnnealLearningRate: false);
        var policy = new CandidatePolicy(features: 3, globals: 1, maxCandidates: 3, hidden: 8, seed: 1);
        var learner = PolicyGradients.Create(options, 2);
        var rng = new SplitMix64(3);
        for (int u = 0; u < 3; u++) learner.Update(Episodes(policy, rng), policy, 0.5);
        // Save, and restore into a fresh learner over a copy of the policy.
        using var state = new MemoryStream();
        using (var writer = new BinaryWriter(state, System.Text.Encoding.UTF8, leaveOpen: true)) learner.WriteState(writer);
        var copy = new CandidatePolicy(features: 3, globals: 1, maxCandidates: 3, hidden: 8, seed: 99);
        policy.Scorer.Parameters.CopyTo(copy.Scorer.Parameters, 0);
        policy.Value.Parameters.CopyTo(copy.Value.Parameters, 0);
        var restored = PolicyGradients.Create(options, 77);
        state.Position = 0;
        using (var reader = new BinaryReader(state)) restored.ReadState(reader, copy);
        for (int u = 0; u < 2; u++)
        {
            var buffer = Episodes(policy, rng);
            learner.Update(buffer, policy, 0.5);
            restored.Update(buffer, copy, 0.5);
        }
        Assert.Equal(policy.Scorer.Parameters, copy.Scorer.Parameters);
        Assert.Equal(policy.Value.Parameters, copy.Value.Parameters);
    }

    /// <summary>64 bandit episodes acted by <paramref name="policy"/>.</summary>
    private static RolloutBuffer Episodes(CandidatePolicy policy, SplitMix64 rng)
    {
        var buffer = new RolloutBuffer(3, 3, 1);
        var observation = new Observation(3, 3) { Count = 3 };
        var state = new float[1];
        for (int e = 0; e < 64; e++)
        {
            int correct = rng.NextInt(3);
            for (int c = 0; c < 3; c++)
            {
                var row = observation.Row(c);
                (row[0], row[1], row[2]) = (c == correct ? 1 : 0, (float)rng.NextDouble(), 0.5f);
            }
            int action = policy.Act(observation, rng, false, out float logP);
            buffer.Add(observation, state, action, logP, policy.EvaluateValue(state));
            buffer.EndEpisode(action == correct ? 1 : 0);
        }
        return buffer;
    }

    [Theory]
    [InlineData("ppo")]
    [InlineData("reinforce")]
    public void Learners_find_the_paying_candidate_of_a_bandit(string algorithm) =>
        Assert.True(TrainBandit(algorithm, 150) > 0.9);

    [Fact]
    public void Gae_with_a_terminal_reward_and_zero_values_gives_the_reward_to_every_step()
    {
        var buffer = new RolloutBuffer(1, 1, 1);
        var obs = new Observation(1, 1) { Count = 1 };
        for (int i = 0; i < 3; i++) buffer.Add(obs, [0f], 0, 0, 0);
        buffer.EndEpisode(-2);
        buffer.ComputeAdvantages(1.0);
        for (int s = 0; s < 3; s++) { Assert.Equal(-2, buffer.Advantage(s)); Assert.Equal(-2, buffer.Return(s)); }
        buffer.ComputeAdvantages(0.5);
        Assert.Equal(-2, buffer.Advantage(2));
        Assert.Equal(-1, buffer.Advantage(1));
        Assert.Equal(-0.5, buffer.Advantage(0));
    }

    [Fact]
    public void V_trace_of_steps_the_current_policy_took_gives_the_returns_of_gae()
    {
        var buffer = new RolloutBuffer(1, 1, 1);
        var obs = new Observation(1, 1) { Count = 1 };
        float[] logProbabilities = [-0.1f, -0.7f, -1.2f, -0.3f, -2f], values = [0.3f, -0.2f, 0.5f, 0.1f, 0.9f];
        for (int s = 0; s < 5; s++)
        {
            buffer.Add(obs, [0f], 0, logProbabilities[s], values[s]);
            if (s == 2) buffer.EndEpisode(-1.5);
        }
        buffer.EndEpisode(0.75);
        buffer.ComputeAdvantages(0.95);
        var gaeReturns = Enumerable.Range(0, 5).Select(buffer.Return).ToArray();
        buffer.ComputeVTrace(logProbabilities, values, 0.95, 1);
        for (int s = 0; s < 5; s++) Assert.Equal(gaeReturns[s], buffer.Return(s), 5);
    }

    [Fact]
    public void V_trace_clips_the_importance_ratio_and_takes_the_current_policy_s_log_probabilities()
    {
        var buffer = new RolloutBuffer(1, 1, 1);
        var obs = new Observation(1, 1) { Count = 1 };
        // Taken with probability 0.5 each; the current policy takes them with 0.25 (ratio 0.5) and 1 (ratio 2, clipped to 1).
        for (int s = 0; s < 2; s++) buffer.Add(obs, [0f], 0, MathF.Log(0.5f), 0);
        buffer.EndEpisode(1);
        buffer.ComputeVTrace([MathF.Log(0.25f), 0f], [0.2f, 0.4f], lambda: 1, gamma: 1);
        // Step 1: v = 0.4 + 1·(1 − 0.4) = 1, A = 1 − 0.4. Step 0: v = 0.2 + 0.5·(0.4 − 0.2) + 0.5·0.6 = 0.6, A = 0.5·(1 − 0.2).
        Assert.Equal(1.0, buffer.Return(1), 5);
        Assert.Equal(0.6, buffer.Advantage(1), 5);
        Assert.Equal(0.6, buffer.Return(0), 5);
        Assert.Equal(0.4, buffer.Advantage(0), 5);
        Assert.Equal(MathF.Log(0.25f), buffer.LogProbability(0));
    }

    [Fact]
    public void Reinforce_refuses_off_policy_episodes() =>
        Assert.Contains("reinforce learns synchronously only", Assert.Throws<InputException>(() => PolicyGradients.Create(new LearnerOptions(Algorithm: "reinforce"), 1, offPolicy: true)).Message);

    [Fact]
    public void Unknown_algorithm_is_refused() =>
        Assert.Contains("not one of ppo, reinforce", Assert.Throws<InputException>(() => PolicyGradients.Create(new LearnerOptions(Algorithm: "dqn"), 1)).Message);

    private static MixedFeed Feed(ulong seed) =>
        new(["zipf:z=1.5,keys=2000", "zipf:z=1.0,keys=2000"], [10, 50], new BatchPolicy.ByCount(1000), 20, seed, 1000);

    [Fact]
    public void Training_is_deterministic_under_a_seed()
    {
        var options = new TrainingOptions(PartitionerScenario.ScenarioName, InformationMode.Online, new CostWeights(), new LearnerOptions(EpisodesPerUpdate: 8), 40, 11);
        var a = new Trainer(options);
        var b = new Trainer(options);
        var rewardsA = new List<double>();
        var rewardsB = new List<double>();
        a.Run(Feed(5), "test", e => rewardsA.Add(e.Reward));
        b.Run(Feed(5), "test", e => rewardsB.Add(e.Reward));
        Assert.Equal(rewardsA, rewardsB);
        Assert.Equal(a.Policy.Scorer.Parameters, b.Policy.Scorer.Parameters);
    }

    /// <summary>Mean reward of a partitioner over held-out batches (a stream never seen in training).</summary>
    private static double HeldOutReward(Partitioner partitioner)
    {
        using var source = new SyntheticSource("zipf", 2000, 1.5, 150_000, 991);
        var batcher = new MicroBatcher(source, new BatchPolicy.ByCount(1000));
        var analyzer = new BatchAnalyzer();
        var weights = new CostWeights();
        double sum = 0;
        int n = 0;
        while (batcher.TryNext(out var batch))
        {
            var blocks = new int[batch.Count];
            partitioner.Partition(new BatchContext(batch.Index, 50, batch.ExpectedTuples), batch.Keys, blocks);
            sum -= weights.Cost(analyzer.Analyze(batch.Keys, blocks, 50));
            n++;
        }
        return sum / n;
    }

    [Fact]
    public void Training_beats_the_initial_policy_and_the_first_candidate_rule_on_held_out_batches()
    {
        var options = new TrainingOptions(PartitionerScenario.ScenarioName, InformationMode.Online, new CostWeights(), new LearnerOptions(EpisodesPerUpdate: 16), 1500, 3);
        var trainer = new Trainer(options);
        var initial = new Checkpoint(options.Scenario, options.Mode, options.Weights, options.Learner, Trainer.NewPolicy(new PartitionerScenario(), options), 0, 3, "none");
        using var feed = new SourceFeed(() => new SyntheticSource("zipf", 2000, 1.5, long.MaxValue / 2, 7), new BatchPolicy.ByCount(1000), 50);
        var trained = trainer.Run(feed, "zipf 1.5");
        double before = HeldOutReward(initial.CreatePartitioner());
        double rules = HeldOutReward(Strategies.Create("reserving"));
        double after = HeldOutReward(trained.CreatePartitioner());
        Assert.True(after > before && after > rules, $"held-out reward: trained {after:F4}, initial {before:F4}, first candidate {rules:F4}");
    }
}
