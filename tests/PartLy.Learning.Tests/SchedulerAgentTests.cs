using PartLy.Core;
using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;
using PartLy.Core.Scheduling;
using PartLy.Core.Streams;
using PartLy.Learning.Algorithms;
using PartLy.Learning.Policies;
using PartLy.Learning.Rl;
using PartLy.Learning.Scenarios;
using PartLy.Learning.Scheduling;

namespace PartLy.Learning.Tests;

/// <summary>The cooperative scenario's scheduler agent: its observation, environment, training and policy file.</summary>
public class SchedulerAgentTests
{
    private static string TempPath() => Path.Combine(Path.GetTempPath(), $"partly-scheduler-{Guid.NewGuid():N}.json");

    private static SchedulingEnvOptions Small(int steps = 40) => new(CostModel.Default, new TeamCost(), MaxSteps: steps);

    [Fact]
    public void The_candidates_are_hold_one_either_side_and_the_smallest_p_for_each_headroom_with_the_rest_masked()
    {
        // I = 1000; the last batch at P = 4 took 840 µs: per-block work (840 − 40) · 4 = 3200; backlog 100.
        var last = new BatchTiming(0, 4, 1000, 1000, 840, 0, 840, false, false, Tuples: 1000);
        var context = new SchedulerContext(1, 4, 1, 16, 1000, last, 100);
        var features = new SchedulerObservation(CostModel.Default, 4);
        var observation = new Observation(SchedulerObservation.MaxCandidates, SchedulerObservation.Features);
        features.Observe(context, observation);
        // For each headroom h, the smallest P with 3200/P + 10P ≤ h·1000 − 100 (16 when none does).
        int Fit(double h) { for (int p = 1; p <= 16; p++) if (3200.0 / p + 10 * p <= h * 1000 - 100) return p; return 16; }
        var expected = new[] { 3, 4, 5 }.Concat(new[] { 0.5, 0.6, 0.7, 0.8, 0.9, 1.0 }.Select(Fit)).Distinct().Order().ToArray();
        Assert.Equal(expected, features.Partitions(observation).ToArray());
        Assert.Equal(Enumerable.Range(0, 10).Select(c => c < expected.Length), observation.ActionMask);
        int hold = Array.IndexOf(expected, 4);
        var row = observation.Row(hold);
        Assert.Equal(0, row[0]);                                  // no change
        Assert.Equal((3200.0 / 4 + 40) / 1000, row[2], 5);       // predicted T / I
        Assert.Equal((3200.0 / 4 + 40 + 100) / 1000, row[3], 5); // predicted latency / I
        Assert.Equal(0, row[7]);                                  // not a rescale
        Assert.Equal(0.84f, row[SchedulerObservation.CandidateFeatures], 5); // the last T / I, on every row
        Assert.True(SchedulingEnv.ObservationSpace.Contains(observation.Candidates));
    }

    [Fact]
    public void A_step_pays_the_negative_team_cost_of_the_batch_it_ran()
    {
        using var env = new SchedulingEnv(Small());
        var observation = env.Reset(7);
        var team = new TeamCost();
        for (int i = 0; i < 10; i++)
        {
            var step = env.Step(observation.Count - 1);
            var t = step.Timing;
            double expected = (t.Late ? 1 : 0) + Math.Max(0, t.ProcessingTime / 1000 - 1) + 0.1 * t.Partitions / 4 + (t.Rescaled ? 0.1 : 0);
            Assert.Equal(-expected, step.Reward, 12);
            Assert.Equal(-team.Of(t, 1000, 4), step.Reward, 12);
            observation = step.Observation;
        }
    }

    [Fact]
    public void The_environment_is_a_conforming_gymnasium_env_deterministic_for_a_seed()
    {
        static List<(double, int, bool, bool)> Play(ulong seed)
        {
            using var env = new SchedulingEnv(Small(25));
            var observation = env.Reset(seed);
            var state = new float[SchedulerObservation.StateFeatures];
            var trace = new List<(double, int, bool, bool)>();
            var random = new SplitMix64(seed);
            while (true)
            {
                Assert.True(SchedulingEnv.ObservationSpace.Contains(observation.Candidates), "observation outside its space");
                env.State(state);
                Assert.True(SchedulingEnv.StateSpace.Contains(state), "state outside its space");
                Assert.InRange(observation.Count, 1, SchedulerObservation.MaxCandidates);
                Assert.Throws<ArgumentOutOfRangeException>(() => env.Step(observation.Count)); // masked
                var step = env.Step(random.NextInt(observation.Count));
                trace.Add((step.Reward, step.Timing.Partitions, step.Terminated, step.Truncated));
                if (step.Terminated || step.Truncated) return trace;
                observation = step.Observation;
            }
        }
        var first = Play(3);
        Assert.Equal(first, Play(3));
        Assert.Equal(25, first.Count);
        Assert.True(first[^1].Item4 && !first[^1].Item3, "truncated after MaxSteps");
        Assert.NotEqual(first, Play(4));
    }

    [Fact]
    public void Training_is_deterministic_for_a_seed_and_its_policy_file_round_trips()
    {
        var options = new SchedulerTrainingOptions(Small(), new LearnerOptions(LearningRate: 1e-3, Hidden: 8), Episodes: 4, Seed: 5, StepsPerUpdate: 64, CompareEvery: 2);
        var episodes = new List<SchedulerEpisode>();
        var trained = new SchedulerTrainer(options).Train(episodes.Add);
        var again = new SchedulerTrainer(options).Train();
        Assert.Equal(trained.Policy.Scorer.Parameters, again.Policy.Scorer.Parameters);
        Assert.NotEqual(new SchedulerTrainer(options).Policy.Scorer.Parameters, trained.Policy.Scorer.Parameters); // it learned something
        Assert.Equal(4, episodes.Count);
        Assert.NotNull(episodes[0].BestRule);
        Assert.Null(episodes[1].BestRule);
        string path = TempPath();
        trained.Save(path);
        var loaded = SchedulerCheckpoint.Load(path);
        Assert.Equal(trained.Policy.Scorer.Parameters, loaded.Policy.Scorer.Parameters);
        Assert.Equal(trained.Policy.Value.Parameters, loaded.Policy.Value.Parameters);
        Assert.Equal((trained.Partitioner, trained.Team, trained.TrainedBatches), (loaded.Partitioner, loaded.Team, loaded.TrainedBatches));
        Assert.True(SchedulerCheckpoint.IsSchedulerPolicy(path));
        var error = Assert.Throws<InputException>(() => Checkpoint.Load(path));
        Assert.Contains("scheduler policy, not a partitioner's", error.Message);
    }

    [Fact]
    public void One_file_holds_both_agents_when_the_scheduler_learned_with_a_trained_partitioner()
    {
        var partitionerPolicy = new CandidatePolicy(CandidateFeatures.Count, CandidateFeatures.State.Count, PartLy.Core.Partitioning.Reserving.ReservingPartitioner.MaxCandidates, hidden: 4, seed: 8);
        var partitioner = new Checkpoint(PartitionerScenario.ScenarioName, InformationMode.Online, new CostWeights(), new LearnerOptions(Hidden: 4), partitionerPolicy, 10, 1, "zipf");
        var options = new SchedulerTrainingOptions(Small(20) with { PartitionerPolicy = partitioner }, new LearnerOptions(Hidden: 8), Episodes: 2, StepsPerUpdate: 32, CompareEvery: 0);
        var trained = new SchedulerTrainer(options).Train();
        Assert.Equal(SchedulerCheckpoint.LearnedPartitioner, trained.Partitioner);
        string path = TempPath();
        trained.Save(path);
        var loaded = SchedulerCheckpoint.Load(path);
        Assert.Equal(partitionerPolicy.Scorer.Parameters, loaded.PartitionerPolicy!.Policy.Scorer.Parameters);
        var keys = Enumerable.Range(0, 3000).Select(i => (i * 7919) % 401).ToArray();
        int[] Place(Partitioner p) { var blocks = new int[keys.Length]; p.Partition(new BatchContext(0, 6, keys.Length), keys, blocks); return blocks; }
        Assert.Equal(Place(partitioner.CreatePartitioner()), Place(loaded.CreatePartitioner()));
    }

    [Fact]
    public void A_partitioner_s_policy_is_refused_as_a_scheduler_with_a_message_that_says_so()
    {
        string path = TempPath();
        var policy = new CandidatePolicy(CandidateFeatures.Count, CandidateFeatures.State.Count, PartLy.Core.Partitioning.Reserving.ReservingPartitioner.MaxCandidates, hidden: 4);
        new Checkpoint(PartitionerScenario.ScenarioName, InformationMode.Online, new CostWeights(), new LearnerOptions(Hidden: 4), policy, 1, 1, "zipf").Save(path);
        Assert.False(SchedulerCheckpoint.IsSchedulerPolicy(path));
        var error = Assert.Throws<InputException>(() => SchedulerCheckpoint.Load(path));
        Assert.Contains("a partitioner's policy (scenario 'partitioner')", error.Message);
    }

    [Fact]
    public void The_learned_scheduler_chooses_among_its_candidates_within_the_bounds()
    {
        var stream = new WorkloadStream("zipf:z=1,keys=5000,rate=1400000,spike=2.6@10+10", 60_000, 3, 1400);
        var policy = new CandidatePolicy(SchedulerObservation.Features, SchedulerObservation.StateFeatures, SchedulerObservation.MaxCandidates, 8, seed: 9);
        var run = SchedulingRun.Run(stream, new BatchPolicy.ByInterval(1000), Strategies.Create("greedy"), new LearnedScheduler(policy, CostModel.Default, 4), CostModel.Default, 4, 16);
        Assert.All(run, t => Assert.InRange(t.Partitions, 1, 16));
        Assert.Equal(run, SchedulingRun.Run(stream, new BatchPolicy.ByInterval(1000), Strategies.Create("greedy"), new LearnedScheduler(policy, CostModel.Default, 4), CostModel.Default, 4, 16));
    }
}
