using Akka.Actor;
using Akka.TestKit.Xunit2;
using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;
using PartLy.Core.Scheduling;
using PartLy.Core.Streams;
using PartLy.Learning.Rl;

namespace PartLy.Actors.Tests;

/// <summary>A scheduling rule through the SchedulerActor, the agent and its partition actors, against the loop.</summary>
public class ScheduleRunTests() : TestKit(TestSupport.Hocon)
{
    private static readonly BatchPolicy.ByInterval Interval = (BatchPolicy.ByInterval)BatchPolicy.Parse("1ms", "--batch");

    private async Task<IReadOnlyList<BatchTiming>> OnActors(ScheduleRunSpec spec)
    {
        Sys.ActorOf(ScheduleRunActor.Props(spec)).Tell(RunSchedule.Instance, TestActor);
        return (await ExpectMsgAsync<ScheduleCompleted>(TimeSpan.FromSeconds(60))).Timings;
    }

    [Theory]
    [InlineData("ds2", "greedy", false, 0.0, 0)]
    [InlineData("prompt", "reserving:locality=on", false, 1.0, 2)]
    [InlineData("inversion", "greedy", true, 0.5, 1)]
    public async Task A_rule_on_actors_gives_the_loop_s_timings_batch_for_batch(string rule, string partitioner, bool informed, double migrationCost, int lag)
    {
        var stream = new WorkloadStream("zipf:z=1,keys=5000,rate=1400000,spike=2.6@10+10", 80_000, 3, 1400);
        var settings = new SchedulerSettings(rule, CostModel.Default, Interval.Microseconds, 4, 16, MigrationCost: migrationCost, Lag: lag);
        var expected = SchedulingRun.Run(stream, Interval, Strategies.Create(partitioner), SchedulerRules.Create(rule, CostModel.Default), CostModel.Default, 4, 16,
            migrationCost: migrationCost, lag: lag, informed: informed);
        var actual = await OnActors(new ScheduleRunSpec(new StreamFeedSpec(stream, Interval, 4, Loop: false), partitioner, null, settings, informed));
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected, actual);
        Assert.Contains(actual, t => t.Rescaled);
    }

    [Fact]
    public async Task A_learned_scheduler_s_policy_decides_in_the_scheduler_actor_as_in_the_loop()
    {
        var policy = new PartLy.Learning.Policies.CandidatePolicy(PartLy.Learning.Scheduling.SchedulerObservation.Features,
            PartLy.Learning.Scheduling.SchedulerObservation.StateFeatures, PartLy.Learning.Scheduling.SchedulerObservation.MaxCandidates, 8, seed: 4);
        var checkpoint = new PartLy.Learning.Scheduling.SchedulerCheckpoint(policy, "greedy", new TeamCost(), CostModel.Default, false,
            new PartLy.Learning.Algorithms.LearnerOptions(Hidden: 8), 0.95, 0, 1);
        string path = Path.Combine(Path.GetTempPath(), $"partly-scheduler-{Guid.NewGuid():N}.json");
        checkpoint.Save(path);
        var stream = new WorkloadStream("zipf:z=1,keys=5000,rate=1400000,spike=2.6@10+10", 80_000, 3, 1400);
        var expected = SchedulingRun.Run(stream, Interval, Strategies.Create("greedy"), checkpoint.CreateScheduler(CostModel.Default, 4), CostModel.Default, 4, 16);
        var settings = new SchedulerSettings("learned", CostModel.Default, Interval.Microseconds, 4, 16, PolicyFile: path);
        var actual = await OnActors(new ScheduleRunSpec(new StreamFeedSpec(stream, Interval, 4, Loop: false), "greedy", null, settings, false));
        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task The_scheduler_answers_a_batch_only_once_the_one_before_it_is_measured()
    {
        var settings = new SchedulerSettings("spark", CostModel.Default, 100, 4, 16);
        var scheduler = Sys.ActorOf(SchedulerActor.Props(settings));
        scheduler.Tell(new ProposeParallelism(0, 4));
        scheduler.Tell(new ProposeParallelism(1, 4));
        Assert.Equal(new ParallelismDecision(0, 4), await ExpectMsgAsync<ParallelismDecision>());
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        // Batch 0 ready at 100 took 150 (T / I = 1.5): the timing comes back, then Spark's answer for batch 1, 4 + 2.
        scheduler.Tell(new BatchMeasured(0, 100, Metrics(150)));
        var scheduled = await ExpectMsgAsync<BatchScheduled>();
        Assert.Equal((0L, 150.0, true), (scheduled.Sequence, scheduled.Timing.Latency, scheduled.Timing.Late));
        Assert.Equal(new ParallelismDecision(1, 6), await ExpectMsgAsync<ParallelismDecision>());
    }

    [Fact]
    public async Task A_partitioner_that_cannot_be_made_fails_the_run_with_its_message()
    {
        var stream = new WorkloadStream("zipf:z=1,keys=5000,rate=1000000", 20_000, 3, 1000);
        var spec = new ScheduleRunSpec(new StreamFeedSpec(stream, Interval, 4, Loop: false), "greedy", "/nonexistent/policy.json",
            new SchedulerSettings("ds2", CostModel.Default, Interval.Microseconds, 4, 16), false);
        Sys.ActorOf(ScheduleRunActor.Props(spec)).Tell(RunSchedule.Instance, TestActor);
        var failed = await ExpectMsgAsync<ScheduleFailed>(TimeSpan.FromSeconds(20));
        Assert.Contains("policy.json", failed.Reason);
    }

    private static BatchMetrics Metrics(double time) => new BatchAnalyzer().Analyze([1, 2, 3], [0, 1, 2], 4) with { ProcessingTime = time };
}
