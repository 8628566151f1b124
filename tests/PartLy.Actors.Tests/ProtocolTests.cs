using System.Collections.Immutable;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using PartLy.Core.Metrics;
using PartLy.Core.Streams;
using PartLy.Learning.Rl;
using PartLy.Learning.Scenarios;
using PartLy.Learning.Training;

namespace PartLy.Actors.Tests;

public class ProtocolTests() : TestKit(TestSupport.Hocon)
{
    [Fact]
    public async Task A_partition_reports_size_distinct_keys_and_time_of_its_block()
    {
        var partition = Sys.ActorOf(PartitionActor.Props(new CostModel(1, 2, 5, 10)));
        partition.Tell(new ProcessBlock(4, 2, [7, 7, 9, 7, 11]), TestActor);
        var report = await ExpectMsgAsync<BlockProcessed>();
        Assert.Equal(new BlockProcessed(4, 2, 5, 3, 5 + 2 * 3), report);
    }

    [Fact]
    public async Task A_lost_worker_s_unreported_blocks_go_again_to_the_survivors_and_a_late_duplicate_is_dropped()
    {
        var probes = new[] { CreateTestProbe(), CreateTestProbe() };
        var workers = probes.Select(p => Sys.ActorSelection(p.Ref.Path)).ToList();
        int[] keys = [5, 6, 7, 8, 9, 10], blocks = [0, 1, 2, 3, 0, 3];
        var fanOut = BlockFanOut.SendToWorkers(9, keys, blocks, 4, workers, [0, 1], TestActor);
        var first = await probes[0].ExpectMsgAsync<ProcessBlocks>();
        var second = await probes[1].ExpectMsgAsync<ProcessBlocks>();
        Assert.Equal(new[] { 0, 1 }, first.Blocks.ToArray());
        Assert.Equal(new[] { 5, 9, 6 }, first.Keys.ToArray());
        Assert.Equal(new[] { 2, 3 }, second.Blocks.ToArray());
        Assert.False(fanOut.Add(new BlockProcessed(9, 0, 2, 2, 1)));
        // Worker 0 is lost with block 1 unreported: it goes to worker 1, block 0 does not go again.
        Assert.Equal(1, fanOut.Resend(9, 0, workers, [1], TestActor));
        var again = await probes[1].ExpectMsgAsync<ProcessBlocks>();
        Assert.Equal(new[] { 1 }, again.Blocks.ToArray());
        Assert.Equal(new[] { 6 }, again.Keys.ToArray());
        Assert.Equal(new[] { 1 }, again.Ends.ToArray());
        await probes[0].ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
        Assert.False(fanOut.Add(new BlockProcessed(9, 1, 1, 1, 1)));
        Assert.False(fanOut.Add(new BlockProcessed(9, 1, 1, 1, 1)));
        Assert.Equal(1, fanOut.DuplicatesDropped);
        Assert.True(fanOut.Add(new BlocksProcessed(9, [2, 3], [1, 2], [1, 2], [1, 1])));
        Assert.Equal(keys.Length, fanOut.Tuples);
    }

    [Fact]
    public async Task A_source_never_sends_more_batches_than_asked()
    {
        var source = Sys.ActorOf(StreamSourceActor.Props(TestSupport.Feed(), 5));
        source.Tell(new RequestBatches(2), TestActor);
        Assert.Equal(0, (await ExpectMsgAsync<SourceBatch>()).Sequence);
        Assert.Equal(1, (await ExpectMsgAsync<SourceBatch>()).Sequence);
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));
        source.Tell(new RequestBatches(10), TestActor);
        for (int i = 2; i < 5; i++)
        {
            var batch = await ExpectMsgAsync<SourceBatch>();
            Assert.Equal(i, batch.Sequence);
            Assert.Equal(500, batch.Keys.Length);
            Assert.Equal(10, batch.Partitions);
        }
        Assert.Equal(5, (await ExpectMsgAsync<StreamCompleted>()).Batches);
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task A_lane_s_source_sends_its_lane_s_batches_each_marked_new_when_its_lane_has_not_seen_that_stream_start(int lane)
    {
        const int batches = 40, lanes = 3;
        var whole = Sys.ActorOf(StreamSourceActor.Props(TestSupport.Feed(), batches));
        whole.Tell(new RequestBatches(batches), TestActor);
        var all = new List<SourceBatch>();
        for (int i = 0; i < batches; i++) all.Add(await ExpectMsgAsync<SourceBatch>());
        await ExpectMsgAsync<StreamCompleted>();
        Assert.Contains(all, b => b.NewStream && b.Sequence > 0);

        var source = Sys.ActorOf(StreamSourceActor.Props(TestSupport.Feed(), batches, 0, lane, lanes));
        source.Tell(new RequestBatches(batches), TestActor);
        long previous = -1, index = -1;
        for (long sequence = lane; sequence < batches; sequence += lanes)
        {
            var batch = await ExpectMsgAsync<SourceBatch>();
            Assert.Equal(sequence, batch.Sequence);
            Assert.Equal(all[(int)sequence].Keys.ToArray(), batch.Keys.ToArray());
            Assert.Equal(all[(int)sequence].Stream, batch.Stream);
            bool started = all.Skip((int)previous + 1).Take((int)(sequence - previous)).Any(b => b.NewStream);
            Assert.Equal(started, batch.NewStream);
            // Numbered within the lane: its partitioner's memory ages by the lane's own batches.
            index = started ? 0 : index + 1;
            Assert.Equal(index, batch.Index);
            previous = sequence;
        }
        Assert.Equal((batches - lane + lanes - 1) / lanes, (await ExpectMsgAsync<StreamCompleted>()).Batches);
    }

    [Fact]
    public void Lanes_merge_into_sequence_order_and_a_phase_completes_with_its_last_lane()
    {
        var merge = new LaneMerge(2);
        BatchCompleted Batch(long sequence) => new(sequence, default, -0.5, -0.5, 0, 0);
        Assert.Empty(merge.Add(Batch(1)));
        Assert.Empty(merge.Add(Batch(3)));
        Assert.Equal([0L, 1], merge.Add(Batch(0)).Select(b => b.Sequence));
        Assert.Equal([2L, 3], merge.Add(Batch(2)).Select(b => b.Sequence));
        Assert.Null(merge.Complete(new PhaseCompleted("train", 2, 0.5, new DeliveryCounters(0, 1, 0, 2.0, 100, 100), Lane: 0)));
        Assert.Null(merge.Complete(new PhaseCompleted("train", 2, 0.5, Lane: 0))); // a lane's completion counts once
        var done = merge.Complete(new PhaseCompleted("train", 2, 0.25, new DeliveryCounters(1, 2, 1, 1.0, 50, 50), Lane: 1));
        Assert.Equal((4L, 0.75), (done!.Batches, done.PlacingSeconds));
        Assert.Equal(new DeliveryCounters(1, 3, 1, 2.0, 150, 150), done.Delivery);
    }

    [Fact]
    public void A_lane_restarts_at_its_first_batch_not_reported_and_its_repeats_are_dropped()
    {
        var merge = new LaneMerge(2);
        BatchCompleted Batch(long sequence, double reward = -0.5) => new(sequence, default, reward, -0.5, 0, 0);
        merge.Add(Batch(0)); merge.Add(Batch(2)); merge.Add(Batch(4));
        merge.Add(Batch(1));
        Assert.Equal(6, merge.RestartAt(0, learntBefore: long.MaxValue));
        Assert.Equal(3, merge.RestartAt(1, learntBefore: long.MaxValue));
        Assert.Equal(4, merge.RestartAt(0, learntBefore: 4)); // the learner may not have the episodes from batch 4 on
        // Lane 0 placed again from batch 4: its repeat of 4 is dropped, the first report of 6 stands.
        Assert.Empty(merge.Add(Batch(4, reward: -9)));
        Assert.Empty(merge.Add(Batch(6)));
        Assert.Empty(merge.Add(Batch(6, reward: -9)));
        Assert.Equal([(3L, -0.5), (4, -0.5)], merge.Add(Batch(3)).Select(b => (b.Sequence, b.Reward)).Take(2));
        merge.Complete(new PhaseCompleted("train", 4, 0, Lane: 1));
        Assert.Null(merge.RestartAt(1, long.MaxValue));
    }

    [Fact]
    public async Task A_source_reports_a_malformed_trace_with_file_and_line()
    {
        string path = Path.Combine(Path.GetTempPath(), $"partly-actors-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(path, "a\nb\n\nc\n");
        var source = Sys.ActorOf(StreamSourceActor.Props(new StreamFeedSpec(new TraceStream(path, new TraceOptions()), new BatchPolicy.ByCount(2), 4), 10));
        source.Tell(new RequestBatches(5), TestActor);
        var failed = await ExpectMsgAsync<StreamFailed>();
        Assert.Contains($"{path}:3: empty key", failed.Reason);
    }

    [Fact]
    public async Task The_scheduler_holds_the_parallelism_fixed()
    {
        var fixedP = Sys.ActorOf(SchedulerActor.Props(16));
        var passThrough = Sys.ActorOf(SchedulerActor.Props());
        fixedP.Tell(new ProposeParallelism(3, 50), TestActor);
        Assert.Equal(new ParallelismDecision(3, 16), await ExpectMsgAsync<ParallelismDecision>());
        passThrough.Tell(new ProposeParallelism(4, 50), TestActor);
        Assert.Equal(new ParallelismDecision(4, 50), await ExpectMsgAsync<ParallelismDecision>());
    }

    [Fact]
    public async Task The_learner_publishes_new_weights_when_an_update_window_closes()
    {
        var options = TestSupport.Options(8);
        var policy = Trainer.NewPolicy(new PartitionerScenario(), options);
        var before = (float[])policy.Scorer.Parameters.Clone();
        var learner = Sys.ActorOf(LearnerActor.Props(options, LearnerActor.WeightsOf(policy, 0)));
        learner.Tell(SubscribeWeights.Instance, TestActor);
        Assert.Equal(0, (await ExpectMsgAsync<PolicyWeights>()).Version); // a subscription is answered with the weights held
        int f = CandidateFeatures.Count;
        var candidates = Enumerable.Range(0, 3 * f).Select(i => (float)(i % 7) / 7).ToImmutableArray();
        EpisodeExperience Episode(long sequence, double reward, bool update) =>
            new(sequence, candidates, [3], [1], [-1.1f], [0f], [0, 0, 0, 0, 0, 0], reward, update, 0.5);
        learner.Tell(Episode(0, -1, false));
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        learner.Tell(Episode(1, -0.2, true));
        var weights = await ExpectMsgAsync<PolicyWeights>();
        Assert.Equal(1, weights.Version);
        Assert.NotEqual(before, weights.Scorer.ToArray());
    }

    [Theory]
    [InlineData(null)]
    [InlineData(1)]
    public async Task An_asynchronous_learner_drops_and_counts_episodes_older_than_its_lag_and_learns_from_the_rest(int? maxLag)
    {
        var options = TestSupport.Options(8);
        var learner = Sys.ActorOf(LearnerActor.Props(options, LearnerActor.WeightsOf(Trainer.NewPolicy(new PartitionerScenario(), options), 0), maxPolicyLag: maxLag));
        learner.Tell(SubscribeWeights.Instance, TestActor);
        Assert.Equal(0, (await ExpectMsgAsync<PolicyWeights>()).Version);
        int f = CandidateFeatures.Count;
        var candidates = Enumerable.Range(0, 3 * f).Select(i => (float)(i % 7) / 7).ToImmutableArray();
        // Every episode placed by version 0: once the learner is at version 2, episodes 4 and 5 are 2 versions old.
        for (int e = 0; e < 6; e++)
            learner.Tell(new EpisodeExperience(e, candidates, [3], [e % 3], [-1.1f], [0f], [0, 0, 0, 0, 0, 0], -0.1 * e, e % 2 == 1, (e + 1) / 6.0, PolicyVersion: 0));
        var weights = new List<PolicyWeights>();
        for (int u = 0; u < 3; u++) weights.Add(await ExpectMsgAsync<PolicyWeights>());
        Assert.Equal(new[] { 1, 2, 3 }, weights.Select(w => w.Version));
        if (maxLag is null)
        {
            Assert.Equal(0, weights[2].EpisodesDropped);
            Assert.NotEqual(weights[1].Scorer.ToArray(), weights[2].Scorer.ToArray());
        }
        else
        {
            Assert.Equal(new[] { 0, 0, 2 }, weights.Select(w => w.EpisodesDropped));
            Assert.Equal(weights[1].Scorer.ToArray(), weights[2].Scorer.ToArray());
        }
    }

    [Theory]
    [InlineData(false, 8)]
    [InlineData(true, 24)]
    public async Task A_synchronous_agent_waits_for_the_weights_of_each_update_and_an_asynchronous_one_never_does(bool asynchronous, int placedWithoutWeights)
    {
        var options = TestSupport.Options(24);
        var learner = CreateTestProbe();
        var source = Sys.ActorOf(StreamSourceActor.Props(TestSupport.Feed(), 24));
        var scheduler = Sys.ActorOf(SchedulerActor.Props());
        var agent = Sys.ActorOf(PartitionerAgentActor.Props(new AgentSettings("train", true, options, 24, Asynchronous: asynchronous),
            LearnerActor.WeightsOf(Trainer.NewPolicy(new PartitionerScenario(), options), 0), source, scheduler, learner.Ref, CreateTestProbe().Ref));
        await learner.ExpectMsgAsync<SubscribeWeights>();
        var episodes = new List<EpisodeExperience>();
        for (int e = 0; e < placedWithoutWeights; e++) episodes.Add(await learner.ExpectMsgAsync<EpisodeExperience>(TimeSpan.FromSeconds(10)));
        await learner.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(500));
        Assert.Equal(Enumerable.Range(0, placedWithoutWeights).Select(i => (long)i), episodes.Select(e => e.Sequence));
        Assert.All(episodes, e => Assert.Equal(0, e.PolicyVersion));
        Assert.Equal(Enumerable.Range(0, placedWithoutWeights).Where(i => i % 8 == 7).Select(i => (long)i), episodes.Where(e => e.UpdateNow).Select(e => e.Sequence));
        if (asynchronous) return;
        agent.Tell(LearnerActor.WeightsOf(Trainer.NewPolicy(new PartitionerScenario(), options), 1), learner.Ref);
        var next = await learner.ExpectMsgAsync<EpisodeExperience>(TimeSpan.FromSeconds(10));
        Assert.Equal((8L, 1), (next.Sequence, next.PolicyVersion));
    }

    [Fact]
    public async Task A_lane_s_agent_places_its_batches_of_a_window_and_waits_for_that_window_s_update()
    {
        var options = TestSupport.Options(24);
        var learner = CreateTestProbe();
        var source = Sys.ActorOf(StreamSourceActor.Props(TestSupport.Feed(), 24, 0, 1, 2));
        var agent = Sys.ActorOf(PartitionerAgentActor.Props(new AgentSettings("train", true, options, 24, Lane: 1, Lanes: 2),
            LearnerActor.WeightsOf(Trainer.NewPolicy(new PartitionerScenario(), options), 0), source, Sys.ActorOf(SchedulerActor.Props()), learner.Ref, CreateTestProbe().Ref));
        await learner.ExpectMsgAsync<SubscribeWeights>();
        var episodes = new List<EpisodeExperience>();
        for (int e = 0; e < 4; e++) episodes.Add(await learner.ExpectMsgAsync<EpisodeExperience>(TimeSpan.FromSeconds(10)));
        await learner.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(500));
        Assert.Equal([1L, 3, 5, 7], episodes.Select(e => e.Sequence));
        Assert.Equal([7L], episodes.Where(e => e.UpdateNow).Select(e => e.Sequence));
        agent.Tell(LearnerActor.WeightsOf(Trainer.NewPolicy(new PartitionerScenario(), options), 1), learner.Ref);
        var next = await learner.ExpectMsgAsync<EpisodeExperience>(TimeSpan.FromSeconds(10));
        Assert.Equal((9L, 1), (next.Sequence, next.PolicyVersion));
    }

    [Fact]
    public async Task The_learner_takes_episodes_in_sequence_order_drops_repeats_and_resumes_from_its_state_file()
    {
        var options = TestSupport.Options(8);
        var initial = LearnerActor.WeightsOf(Trainer.NewPolicy(new PartitionerScenario(), options), 0);
        int f = CandidateFeatures.Count;
        var candidates = Enumerable.Range(0, 3 * f).Select(i => (float)(i % 5) / 5).ToImmutableArray();
        EpisodeExperience Episode(long sequence, double reward, bool update) =>
            new(sequence, candidates, [3], [sequence % 3 == 0 ? 0 : 2], [-1.1f], [0f], [0, 0, 0, 0, 0, 0], reward, update, (sequence + 1) / 8.0);
        var episodes = new[] { Episode(0, -1, false), Episode(1, -0.2, true), Episode(2, -0.4, false), Episode(3, -0.1, true) };

        var inOrder = Sys.ActorOf(LearnerActor.Props(options, initial));
        inOrder.Tell(SubscribeWeights.Instance, TestActor);
        foreach (var e in episodes) inOrder.Tell(e);
        Assert.Equal(0, (await ExpectMsgAsync<PolicyWeights>()).Version);
        await ExpectMsgAsync<PolicyWeights>();
        var expected = await ExpectMsgAsync<PolicyWeights>();

        // The same episodes out of order and with repeats (what a failover's re-sending looks like), with a state file.
        string state = Path.Combine(Path.GetTempPath(), $"partly-learner-{Guid.NewGuid():N}.state");
        try
        {
            var first = Sys.ActorOf(LearnerActor.Props(options, initial, state));
            first.Tell(SubscribeWeights.Instance, TestActor);
            foreach (var e in new[] { episodes[1], episodes[0], episodes[1], episodes[0] }) first.Tell(e);
            Assert.Equal(0, (await ExpectMsgAsync<PolicyWeights>()).Version);
            Assert.Equal(1, (await ExpectMsgAsync<PolicyWeights>()).Version);
            Sys.Stop(first);
            Assert.True(File.Exists(state), "the learner wrote no state after its update");
            // A learner resumed from the file answers the subscription with what it holds, then learns the next window.
            var resumed = Sys.ActorOf(LearnerActor.Props(options, initial, state, resume: true));
            resumed.Tell(SubscribeWeights.Instance, TestActor);
            Assert.Equal(1, (await ExpectMsgAsync<PolicyWeights>()).Version);
            foreach (var e in new[] { episodes[0], episodes[3], episodes[2] }) resumed.Tell(e);
            var weights = await ExpectMsgAsync<PolicyWeights>();
            Assert.Equal(expected.Version, weights.Version);
            Assert.Equal(expected.Scorer.ToArray(), weights.Scorer.ToArray());
            Assert.Equal(expected.Value.ToArray(), weights.Value.ToArray());
        }
        finally
        {
            File.Delete(state);
        }
    }

    [Fact]
    public async Task Under_emulated_service_time_a_worker_reports_as_without_it_once_its_slots_have_served_every_block()
    {
        var cost = new CostModel(1, 2, 5, 10);
        var message = new ProcessBlocks(6, [0, 1, 2], [3, 5, 9], [1, 1, 2, 3, 3, 4, 4, 4, 5]);
        Sys.ActorOf(WorkerActor.Props(cost)).Tell(message, TestActor);
        var plain = await ExpectMsgAsync<BlocksProcessed>();
        // Blocks of 3+2·2, 2+2·1 and 4+2·2 µs at 1 ms per µs on 2 slots: the third waits for the second, 4 + 8 = 12 ms.
        var service = new ServiceTime(Scale: 1000, Slots: 2);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Sys.ActorOf(WorkerActor.Props(cost, service)).Tell(message, TestActor);
        var served = await ExpectMsgAsync<BlocksProcessed>(TimeSpan.FromSeconds(10));
        Assert.True(clock.Elapsed.TotalSeconds >= 0.012, $"reported after {clock.Elapsed.TotalMilliseconds:F1} ms, before the 12 ms of service");
        Assert.Equal(0.012, service.PredictedSeconds(plain.ProcessingTimes.AsSpan(), [0, 0, 0]), 12);
        Assert.Equal(plain.Blocks.ToArray(), served.Blocks.ToArray());
        Assert.Equal(plain.Tuples.ToArray(), served.Tuples.ToArray());
        Assert.Equal(plain.DistinctKeys.ToArray(), served.DistinctKeys.ToArray());
        Assert.Equal(plain.ProcessingTimes.ToArray(), served.ProcessingTimes.ToArray());
    }
}
