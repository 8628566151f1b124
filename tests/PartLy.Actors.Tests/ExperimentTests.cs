using Akka.Actor;
using Akka.TestKit.Xunit2;
using PartLy.Core.Streams;
using PartLy.Learning.Rl;
using PartLy.Learning.Training;

namespace PartLy.Actors.Tests;

public class ExperimentTests() : TestKit(TestSupport.Hocon)
{
    private readonly List<ExperimentWeights> _published = [];

    private async Task<(ExperimentCompleted Result, List<(string Phase, BatchCompleted Batch)> Batches)> Run(ExperimentSpec spec)
    {
        var subscriber = CreateTestProbe();
        var experiment = Sys.ActorOf(ExperimentActor.Props(spec));
        experiment.Tell(SubscribeProgress.Instance, subscriber.Ref);
        experiment.Tell(RunExperiment.Instance, TestActor);
        var result = await ExpectMsgAsync<ExperimentCompleted>(TimeSpan.FromSeconds(60));
        int batches = result.Training.Count + result.Test.Count;
        var seen = new List<(string, BatchCompleted)>();
        while (seen.Count < batches)
        {
            var message = await subscriber.ReceiveOneAsync(TimeSpan.FromSeconds(10));
            if (message is ExperimentProgress progress) seen.Add((progress.Phase, progress.Batch));
            else _published.Add(Assert.IsType<ExperimentWeights>(message));
        }
        return (result, seen);
    }

    [Fact]
    public async Task Two_lanes_place_a_policy_s_test_batches_as_well_as_one_agent()
    {
        var (trained, _) = await Run(new ExperimentSpec(TestSupport.Options(200), TestSupport.Feed(), null, 0));
        var test = TestSupport.Options(0);
        var (one, _) = await Run(new ExperimentSpec(test, null, TestSupport.Feed(seed: 9), 120, InitialWeights: trained.Weights));
        var (two, _) = await Run(new ExperimentSpec(test, null, TestSupport.Feed(seed: 9), 120, InitialWeights: trained.Weights, Lanes: 2));
        // Each lane remembers the keys of its own batches: they must not look stale for the batches of the other lane in between.
        double Mean(ExperimentCompleted r) => r.Test.Average(m => m.Replication);
        Assert.Equal(120, two.Test.Count);
        Assert.InRange(Mean(two), Mean(one) - 0.02, Mean(one) + 0.02);
    }

    [Fact]
    public async Task Training_through_the_actors_matches_the_direct_loop_batch_for_batch()
    {
        var options = TestSupport.Options(40);
        var direct = new Trainer(options);
        var directEpisodes = new List<EpisodeRecord>();
        direct.Run(TestSupport.Feed().Open(), "test", directEpisodes.Add);

        var (result, _) = await Run(new ExperimentSpec(options, TestSupport.Feed(), null, 0));
        Assert.Equal(40, result.Training.Count);
        for (int i = 0; i < 40; i++)
        {
            Assert.Equal(directEpisodes[i].Reward, result.Training[i].Reward, 12);
            Assert.Equal(directEpisodes[i].Decisions, result.Training[i].Decisions);
        }
        Assert.Equal(direct.Policy.Scorer.Parameters, result.Weights.Scorer.ToArray());
        Assert.Equal(direct.Policy.Value.Parameters, result.Weights.Value.ToArray());
        Assert.Equal(5, result.Weights.Version);
        // Both runtimes account for where the time went: placing and the 5 updates, inside the phase's wall time.
        foreach (var time in new[] { direct.Time, result.TrainTime })
        {
            Assert.True(time.PlacingSeconds > 0 && time.UpdateSeconds > 0, time.ToString());
        }
        Assert.True(result.TrainTime.PlacingSeconds + result.TrainTime.UpdateSeconds <= result.TrainSeconds, result.TrainTime.ToString());
    }

    [Fact]
    public async Task An_experiment_conserves_tuples_computes_rewards_from_reports_and_adopts_published_weights()
    {
        var options = TestSupport.Options(24);
        var spec = new ExperimentSpec(options, TestSupport.Feed(), TestSupport.Feed(seed: 9), 12);
        var (result, batches) = await Run(spec);
        Assert.Equal(24, result.Training.Count);
        Assert.Equal(12, result.Test.Count);
        foreach (var (_, batch) in batches)
        {
            Assert.Equal(500, batch.Metrics.Tuples);
            Assert.Equal(-(batch.Metrics.SizeImbalance + batch.Metrics.Replication - 1), batch.Reward, 9);
        }
        var train = batches.Where(b => b.Phase == "train").Select(b => b.Batch).ToList();
        Assert.Equal(Enumerable.Range(0, 24).Select(i => (long)i), train.Select(b => b.Sequence));
        Assert.Equal(0, train[7].PolicyVersion);
        Assert.Equal(1, train[8].PolicyVersion);
        Assert.Equal(2, train[16].PolicyVersion);
        Assert.All(batches.Where(b => b.Phase == "test"), b => Assert.Equal(3, b.Batch.PolicyVersion));
        Assert.Equal(3, result.Weights.Version);
        // Each update reached the subscribers with the batches trained so far (what checkpoints are written from).
        Assert.Equal(new[] { (1, 8L), (2, 16L), (3, 24L) }, _published.Select(w => (w.Weights.Version, w.Batches)));
    }

    [Fact]
    public async Task A_malformed_trace_fails_the_experiment_with_file_and_line()
    {
        string path = Path.Combine(Path.GetTempPath(), $"partly-actors-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(path, string.Join('\n', Enumerable.Range(0, 30).Select(i => $"k{i % 4}")) + "\n\nx\n");
        var spec = new ExperimentSpec(TestSupport.Options(10),
            new StreamFeedSpec(new TraceStream(path, new TraceOptions()), new BatchPolicy.ByCount(10), 4), null, 0);
        var experiment = Sys.ActorOf(ExperimentActor.Props(spec));
        experiment.Tell(RunExperiment.Instance, TestActor);
        var failed = await ExpectMsgAsync<ExperimentFailed>(TimeSpan.FromSeconds(30));
        Assert.Contains($"{path}:31: empty key", failed.Reason);
    }

    [Fact]
    public async Task Stopping_an_experiment_replies_with_the_weights_so_far()
    {
        var spec = new ExperimentSpec(TestSupport.Options(100_000), TestSupport.Feed(), null, 0);
        var subscriber = CreateTestProbe();
        var experiment = Sys.ActorOf(ExperimentActor.Props(spec));
        experiment.Tell(SubscribeProgress.Instance, subscriber.Ref);
        experiment.Tell(RunExperiment.Instance, TestActor);
        await subscriber.FishForMessageAsync<ExperimentProgress>(p => p.Batch.Sequence == 10, TimeSpan.FromSeconds(30));
        experiment.Tell(StopExperiment.Instance, ActorRefs.NoSender);
        var result = await ExpectMsgAsync<ExperimentCompleted>(TimeSpan.FromSeconds(30));
        Assert.True(result.Stopped);
        Assert.True(result.Training.Count > 0);
    }
}
