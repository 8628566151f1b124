using System.Collections.Immutable;
using System.Text.Json;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using PartLy.Actors.Serialization;
using PartLy.Core.Metrics;
using PartLy.Core.Scheduling;
using PartLy.Learning.Training;

namespace PartLy.Actors.Tests;

/// <summary>The one serializer bound to every PartLy message: each message round-trips, and nothing is left without a form.</summary>
public class SerializationTests() : TestKit(TestSupport.Hocon)
{
    private static readonly BatchMetrics Metrics = new(1000, 120, 10, 0.01, 0.2, 1.3, 1.5, 4, 6, 37, 812.5);
    private static readonly BatchTiming Timing = new(7, 5, 8000, 8100, 950, 100, 1050, true, false, true, 0.25, 0.2, 1400);
    private static readonly PolicyWeights Weights = new(3, [0.5f, -1.25f, float.Epsilon], [2f], 1.5);

    public static IEnumerable<object[]> Messages() => new IPartLyMessage[]
    {
        RunExperiment.Instance, StopExperiment.Instance, SubscribeProgress.Instance, RunSchedule.Instance, SubscribeWeights.Instance, GetWeights.Instance,
        new ExperimentProgress("train", new BatchCompleted(4, Metrics, -0.5, -0.7, 12, 3, "zipf", 0.0005)),
        new ExperimentWeights(Weights, 800),
        new ExperimentCompleted(Weights, [new EpisodeRecord(0, -0.1, -0.2, 0.01, 1.1, 3, 10, "z1/p10")], [Metrics], 1.5, 0.5, 20000, true, [0.1, 0.2], new TrainingTime(1, 0.25)),
        new ExperimentCompleted(Weights, [], [Metrics], 1.5, 0.5, 20000, false, [0.1], new TrainingTime(1, 0.25), new DeliveryCounters(1, 25, 2, 5.5, 200_000, 200_000), [0.125]),
        new ExperimentFailed("bad"), new RequestBatches(3),
        new SourceBatch(9, 9, [5, 1, 5, int.MaxValue], 1000, 50, true, "trace.csv", 10_000),
        new StreamCompleted(100), new StreamFailed("trace.csv: line 3"),
        new ProposeParallelism(2, 4), new ProposeParallelism(2, 4, new BatchSketch(1400, 712.5, [300, 12])),
        new ParallelismDecision(2, 6), new BatchMeasured(2, 3000, Metrics), new BatchScheduled(2, Timing),
        new ScheduleCompleted([Timing, Timing with { Index = 8 }]), new ScheduleFailed("no"),
        new ProcessBlock(1, 3, [1, 2, 3]), new ProcessBlock(1, 4, []), new BlockProcessed(1, 3, 3, 2, 7),
        new ProcessBlocks(1, [3, 4], [2, 5], [9, 9, 1, 2, 3]), new BlocksProcessed(1, [3, 4], [2, 3], [1, 3], [4.0, 9.0]),
        new EpisodeExperience(5, [0.1f, 0.2f], [2], [1], [-0.7f], [0.3f], [1f, 2f, 3f], -0.25, true, 0.5),
        new EpisodeExperience(6, [0.1f], [1], [0], [0f], [0.3f], [1f, 2f, 3f], -0.5, false, 0.75, PolicyVersion: 41),
        Weights, new LearnerFailed("NaN"), new BatchCompleted(4, Metrics, -0.5, -0.7, 12, 3), new PhaseCompleted("test", 10, 0.5), new PhaseCompleted("train", 10, 0.5, new DeliveryCounters(1, 25, 0, 4.25, 10_000, 10_000)),
        new PhaseFailed("train", "why"), new KillWorker(300, 0), new WorkerKilled(300, 0),
        new BatchCompleted(5, Metrics, -0.5, -0.7, 12, 3, "zipf", 0.0005, new ServiceMeasure(0.125, 0.1171875)),
        new ExperimentCompleted(Weights, [], [Metrics], 1.5, 0.5, 20000, false, [0.1], new TrainingTime(1, 0.25), null, [0.125], [new ServiceMeasure(0.25, 0.24)]),
        new StartLearning(new PartLy.Learning.Training.TrainingOptions("partitioner", PartLy.Core.Partitioning.InformationMode.Buffered, new CostWeights(1, 0.5, 0.25, 2),
            new PartLy.Learning.Algorithms.LearnerOptions("reinforce", 1e-3, false, 3, 2, 0.1, 0.9, 0.02, 0.4, 0.75, 16, 8), 640, ulong.MaxValue - 3, new CostModel(1, 2.5, 5, 10), 0.01), Weights),
        new StartLearning(PartLy.Actors.Tests.TestSupport.Options(24), Weights),
        new StartLearning(PartLy.Actors.Tests.TestSupport.Options(24), Weights, "/tmp/partly-learner-x/learner.state", true),
        new StartLearning(PartLy.Actors.Tests.TestSupport.Options(24), Weights with { EpisodesDropped = 7 }, MaxPolicyLag: 4),
        new LearnerMoved(96), new KillLearner(95), new LearnerKilled(95),
        new ExperimentCompleted(Weights, [], [Metrics], 1.5, 0.5, 20000, false, [0.1], new TrainingTime(1, 0.25), LearnerFailoverSeconds: 9.75),
        new BatchCompleted(6, Metrics, -0.5, -0.7, 12, 3, "zipf", 0.0005, null, 12.375),
        StopAgent.Instance, new KillAgent(300),
        new PhaseCompleted("train", 7, 0.25, null, Lane: 3),
        new ExperimentCompleted(Weights, [], [Metrics], 1.5, 0.5, 20000, false, [0.1], new TrainingTime(1, 0.25), AgentNodesLost: 1, LanesMoved: 2),
    }.Select(m => new object[] { m });

    /// <summary>What an agent node is started with: each kind of feed, stream and batching, with and without optional settings.</summary>
    public static IEnumerable<object[]> AgentStarts()
    {
        var zipf = new PartLy.Core.Streams.WorkloadStream("zipf:z=1.5,keys=10000", 1_000_000, 42, 1000);
        var trace = new PartLy.Core.Streams.TraceStream("/data/log.csv", new PartLy.Core.Streams.TraceOptions(PartLy.Core.Streams.TraceFormat.Csv, "origin", "time", 1e6, false, 3600), 5000, 200);
        var feeds = new PartLy.Learning.Rl.FeedSpec[]
        {
            new PartLy.Learning.Rl.MixFeedSpec(["zipf:z=1", "zipf:z=2"], [10, 50], new PartLy.Core.Streams.BatchPolicy.ByCount(1000), 20, 7, 1000),
            new PartLy.Learning.Rl.StreamFeedSpec(zipf, new PartLy.Core.Streams.BatchPolicy.ByInterval(1000), 4, Loop: false),
            new PartLy.Learning.Rl.SkipFeedSpec(new PartLy.Learning.Rl.StreamFeedSpec(trace, new PartLy.Core.Streams.BatchPolicy.ByCount(500), 50), 120),
            new PartLy.Learning.Rl.StreamFeedSpec(trace with { Options = new PartLy.Core.Streams.TraceOptions() }, new PartLy.Core.Streams.BatchPolicy.ByCount(500), 50),
        };
        var settings = new AgentSettings[]
        {
            new("train", true, TestSupport.Options(24), 24),
            new("test", false, TestSupport.Options(24), 100, 3, ["akka.tcp://partly@127.0.0.1:4053/user/worker"], 12, 7.5, new ServiceTime(50, 2), "hash", 3, true),
            new("train", true, TestSupport.Options(24), 24, Lane: 1, Lanes: 3, StartAt: 13),
        };
        return from feed in feeds from s in settings from learner in new[] { false, true } select new object[] { s, feed, learner };
    }

    [Theory]
    [MemberData(nameof(AgentStarts))]
    public void An_agent_nodes_start_round_trips_with_its_settings_feed_and_actor_references(AgentSettings settings, PartLy.Learning.Rl.FeedSpec feed, bool withLearner)
    {
        var message = new StartAgent(settings, feed, Weights, 8, 1e6, TestActor, withLearner ? TestActor : null);
        var serializer = (PartLySerializer)Sys.Serialization.FindSerializerFor(message);
        var back = (StartAgent)serializer.FromBinary(serializer.ToBinary(message), serializer.Manifest(message));
        Assert.Equal(JsonSerializer.Serialize(settings), JsonSerializer.Serialize(back.Settings));
        Assert.Equal(feed.GetType(), back.Feed.GetType());
        Assert.Equal(JsonSerializer.Serialize(feed, feed.GetType()), JsonSerializer.Serialize(back.Feed, back.Feed.GetType()));
        Assert.Equal(JsonSerializer.Serialize(Weights), JsonSerializer.Serialize(back.Weights));
        Assert.Equal((8, 1e6), (back.FixedPartitions, back.TuplesPerSecond));
        Assert.Equal(TestActor, back.Experiment);
        Assert.Equal(withLearner ? TestActor : null, back.Learner);
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void Every_message_round_trips_through_the_bound_serializer(IPartLyMessage message)
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<PartLySerializer>(serializer);
        var manifest = ((PartLySerializer)serializer).Manifest(message);
        Assert.Matches(@"^[A-Za-z]+/\d+$", manifest);
        var back = ((PartLySerializer)serializer).FromBinary(serializer.ToBinary(message), manifest);
        Assert.IsType(message.GetType(), back);
        // Records holding immutable arrays compare those by reference: compare what they hold.
        Assert.Equal(JsonSerializer.Serialize(message, message.GetType()), JsonSerializer.Serialize(back, back.GetType()));
    }

    [Fact]
    public void Every_partly_message_type_has_a_binary_form()
    {
        var messages = typeof(IPartLyMessage).Assembly.GetTypes().Where(t => typeof(IPartLyMessage).IsAssignableFrom(t) && !t.IsInterface).ToHashSet();
        Assert.Equal(messages.OrderBy(t => t.Name), PartLySerializer.Types.OrderBy(t => t.Name));
        Assert.Equal(messages.Count, Messages().Select(m => m[0].GetType()).Append(typeof(StartAgent)).Distinct().Count());
    }

    private sealed record Unbound(int Value);

    [Fact]
    public void A_message_of_no_bound_type_fails_rather_than_falling_back_to_json()
    {
        Assert.ThrowsAny<Exception>(() => Sys.Serialization.FindSerializerFor(new Unbound(1)).ToBinary(new Unbound(1)));
    }

    [Fact]
    public void An_unknown_or_newer_manifest_is_refused_by_name()
    {
        var serializer = (PartLySerializer)Sys.Serialization.FindSerializerFor(new RequestBatches(1));
        var error = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary([], "RequestBatches/2"));
        Assert.Contains("'RequestBatches/2' is not known to this build", error.Message);
        Assert.ThrowsAny<Exception>(() => serializer.FromBinary([1, 2], "SourceBatch/1"));
    }
}
