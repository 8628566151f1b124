using System.Globalization;
using PartLy.Actors.Configuration;
using PartLy.Cli.Commands;
using PartLy.Core;
using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;
using PartLy.Core.Streams;
using PartLy.Learning.Algorithms;
using PartLy.Learning.Rl;
using PartLy.Learning.Scenarios;
using PartLy.Learning.Training;

namespace PartLy.Cli.Options;

/// <summary>What <c>partly train</c> does, parsed once from its flags and the configuration.</summary>
/// <param name="Mix">The training mix (Zipf exponents, P values, keys, batches per stream), used unless a workload or trace is given.</param>
public sealed record TrainOptions(
    StreamOptions Stream, TrainingOptions Training, int TestBatches, (IReadOnlyList<double> Skews, IReadOnlyList<int> Partitions, int Keys, int Segment) Mix,
    bool Actors, string Out, string? LogFile, bool Verbose, bool Quiet, bool TrainOnStream)
{
    /// <summary>Training batches between checkpoints (0: only at the end).</summary>
    public int CheckpointEvery { get; init; }

    /// <summary>
    /// The node processes of a multi-node run (--cluster): worker nodes that process the blocks, learner nodes whose
    /// singleton is the learner, and how it learns; <see cref="ClusterOption.Shape.None"/> for the embedded runtime alone.
    /// </summary>
    public ClusterOption.Shape Cluster { get; init; } = ClusterOption.Shape.None;

    /// <summary>Training batch before which the first worker node is killed (--kill worker@batch=B), or null.</summary>
    public long? KillWorkerAt { get; init; }

    /// <summary>The update before which the node hosting the learner is killed (--kill learner@update=U), or null.</summary>
    public int? KillLearnerAt { get; init; }

    /// <summary>The training batch after whose report the agent's node is killed (--kill agent@batch=B), or null.</summary>
    public long? KillAgentAt { get; init; }

    /// <summary>Agents sharing the stream, each a lane (--lanes K, or --cluster agents=K).</summary>
    public int Lanes { get; init; } = 1;

    /// <summary>Emulated service time on the worker nodes (--service-time), or null.</summary>
    public Core.Metrics.ServiceTime? Service { get; init; }

    /// <summary>Where the cluster report goes (--cluster-report FILE), or null.</summary>
    public string? ClusterReport { get; init; }

    /// <summary>The checkpoint training goes on from (--resume), or null.</summary>
    public Learning.Checkpoint? Resume { get; init; }

    /// <summary>Batches trained before this run (those of the resumed checkpoint).</summary>
    public long PriorBatches => Resume?.TrainedBatches ?? 0;

    /// <summary>Where the training batches come from: the given workload or trace, else the mix.</summary>
    public FeedSpec TrainingFeed()
    {
        var feed = NewTrainingFeed();
        return PriorBatches > 0 ? new SkipFeedSpec(feed, PriorBatches) : feed;
    }

    private FeedSpec NewTrainingFeed()
    {
        if (TrainOnStream) return new StreamFeedSpec(Stream.Spec(), Stream.Batch, Stream.Partitions);
        var workloads = Mix.Skews.Select(z => string.Create(CultureInfo.InvariantCulture, $"zipf:z={z},keys={Mix.Keys}")).ToList();
        double perBatch = WorkloadSpec.Parse(workloads[0]).TuplesPerBatch(Stream.Batch);
        return new MixFeedSpec(workloads, Mix.Partitions, Stream.Batch, Mix.Segment, Training.Seed, perBatch);
    }

    /// <summary>
    /// The test stream, as long as the test batches need: held-out data (the --test-trace, or the part of the trace
    /// after the tuples training used), else the workload with a seed of its own.
    /// </summary>
    public StreamSpec TestStream()
    {
        long tuples = (long)Math.Ceiling(TestBatches * Stream.TuplesPerBatch);
        if (TestTrace is not null) return TestTrace with { Limit = tuples };
        if (Stream.Trace is not null) return Stream.Trace with { Skip = (long)Training.Batches * ((BatchPolicy.ByCount)Stream.Batch).Tuples, Limit = tuples };
        return Stream.Spec(tuples, Training.Seed + 1_000_003);
    }

    /// <summary>A trace of its own to test on (--test-trace), read like the training trace.</summary>
    public TraceStream? TestTrace { get; init; }

    public string TrainedOn =>
        TrainOnStream ? Stream.Description
        : string.Create(CultureInfo.InvariantCulture, $"Zipf z∈{{{string.Join(",", Mix.Skews)}}}, P∈{{{string.Join(",", Mix.Partitions)}}}, {Mix.Keys} keys");

    public static TrainOptions Parse(TrainSettings s, RuntimeConfig config)
    {
        var stream = s.Stream;
        var train = config.Train;
        if (s.PartitionerPolicy is not null) throw new InputException("--partitioner-policy is for --scenario cooperative (the partitioner the scheduler learns with)");
        var resume = s.Resume is null ? null : new Named<string>(s.Resume, "--resume").Parse(Learning.Checkpoint.Load);
        string scenario = resume is not null ? Same(resume.Scenario, s.ScenarioOption, "--scenario")
            : Check.Pick(s.ScenarioOption, "--scenario", train.Scenario, "partly.train.scenario").Value;
        if (!ScenarioRegistry.Exists(scenario)) throw new InputException($"--scenario: unknown scenario '{scenario}' (allowed: {string.Join(", ", ScenarioRegistry.Names)})");
        string modeText = resume is not null ? Same(resume.Mode == InformationMode.Online ? "online" : "buffered", s.ModeOption?.ToLowerInvariant(), "--mode")
            : Check.Pick(s.ModeOption, "--mode", train.Mode, "partly.train.mode").Value;
        var mode = Check.OneOf(new Named<string>(modeText, "--mode"), "online", "buffered") == "online" ? InformationMode.Online : InformationMode.Buffered;
        int batches = Check.AtLeast(Check.Pick(s.BatchesOption, "--batches", train.Batches, "partly.train.batches"), 1);
        int testBatches = Check.AtLeast(Check.Pick(s.TestBatchesOption, "--test-batches", train.TestBatches, "partly.train.test-batches"), 1);
        var slack = resume is not null ? new Named<double>(double.Parse(Same(Check.F(resume.Slack), s.SlackOption is { } sl ? Check.F(sl) : null, "--slack"),
            CultureInfo.InvariantCulture), "--slack") : Check.Pick(s.SlackOption, "--slack", train.Slack, "partly.train.slack");
        if (!BlockCapacity.IsValidSlack(slack.Value)) throw new InputException($"{slack.Name} must be at least 0 and below 1, got {Check.F(slack.Value)}");
        var skews = s.TrainSkews is null ? train.Skews : ParseList(s.TrainSkews, "--train-skews", double.Parse);
        var mixPartitions = s.TrainPartitions is null ? train.Partitions : ParseList(s.TrainPartitions, "--train-partitions", int.Parse);
        if (mixPartitions.Any(p => p < 1)) throw new InputException("--train-partitions: every P must be at least 1");
        int keys = Check.AtLeast(Check.Pick(s.KeysOption, "--keys", train.Keys, "partly.train.keys"), 1);
        int segment = Check.AtLeast(Check.Pick(s.SegmentOption, "--segment", train.Segment, "partly.train.segment"), 1);
        var learner = config.Learner with
        {
            Algorithm = Check.OneOf(Check.Pick(s.Algorithm, "--algo", config.Learner.Algorithm, "partly.learner.algorithm"), [.. LearnerOptions.Algorithms]),
            LearningRate = s.LearningRate ?? config.Learner.LearningRate,
            EpisodesPerUpdate = Check.AtLeast(Check.Pick(s.EpisodesPerUpdate, "--episodes-per-update", config.Learner.EpisodesPerUpdate, "partly.learner.episodes-per-update"), 1),
            Hidden = resume is not null ? int.Parse(Same(resume.Policy.Hidden.ToString(CultureInfo.InvariantCulture), s.Hidden?.ToString(CultureInfo.InvariantCulture), "--hidden"), CultureInfo.InvariantCulture)
                : Check.AtLeast(Check.Pick(s.Hidden, "--hidden", config.Learner.Hidden, "partly.learner.hidden"), 1),
        };
        if (learner.LearningRate <= 0) throw new InputException($"--lr must be above 0, got {Check.F(learner.LearningRate)}");
        var weights = s.CostWeights is null ? config.Reward : new Named<string>(s.CostWeights, "--cost-weights").Parse(CostWeights.Parse);
        bool actors = Check.OneOf(new Named<string>(s.Runtime, "--runtime"), "actors", "direct") == "actors";
        string modeName = mode == InformationMode.Online ? "online" : "buffered";
        var training = new TrainingOptions(scenario, mode, weights, learner, batches, stream.Seed, config.Cost, slack.Value);
        bool onStream = s.Workload is not null || s.Trace is not null;
        // The default folder names what was trained, so that runs of different workloads or traces do not overwrite each other.
        string trainedOn = !onStream ? "" : "-" + Slug(stream.Trace is not null ? Path.GetFileNameWithoutExtension(stream.Trace.Path) : stream.Workload!.Text);
        string output = s.Out ?? Path.Combine("runs", $"{scenario}-{modeName}{trainedOn}-seed{stream.Seed}");
        AtomicFile.CheckWritableFolder(output, s.Out is null ? "the output folder" : "--out");
        TraceStream? testTrace = null;
        if (s.TestTrace is not null)
        {
            if (stream.Trace is null) throw new InputException("--test-trace needs --trace (a workload is tested on a stream of its own seed)");
            if (!File.Exists(s.TestTrace)) throw new InputException($"--test-trace {s.TestTrace}: trace file not found");
            testTrace = stream.Trace with { Path = s.TestTrace };
        }
        else if (stream.Trace is not null && stream.Batch is not BatchPolicy.ByCount)
            throw new InputException("--trace with time-interval batches: give --test-trace FILE to test on held-out data");
        if (s.LogFile is not null) AtomicFile.CheckWritable(s.LogFile, "--log-file");
        int every = s.CheckpointEveryOption ?? train.CheckpointEvery;
        if (every < 0) throw new InputException($"--checkpoint-every must be 0 or more, got {every}");
        var cluster = s.Cluster is null ? ClusterOption.Shape.None : new Named<string>(s.Cluster, "--cluster").Parse(ClusterOption.Parse);
        var (workers, learners) = (cluster.Workers, cluster.Learners);
        if (cluster.Any && !actors) throw new InputException("--cluster needs --runtime actors (the direct loop runs in one process)");
        if (cluster.MaxPolicyLag is not null && training.Learner.Algorithm != "ppo")
            throw new InputException($"--cluster mode=async corrects stale episodes with PPO's V-trace: --algo {training.Learner.Algorithm} learns synchronously only");
        var (killAt, killLearnerAt, killAgentAt) = s.Kill is null ? new ClusterOption.Fault(null, null, null) : new Named<string>(s.Kill, "--kill").Parse(ClusterOption.ParseKill);
        int lanes = s.Lanes ?? Math.Max(cluster.Agents, 1);
        if (lanes is < 1 or > 8) throw new InputException($"--lanes must be within [1, 8], got {lanes}");
        if (cluster.Agents > 0 && lanes != cluster.Agents) throw new InputException($"--lanes {lanes} with --cluster agents={cluster.Agents}: each agent node is a lane (give one of them, or the same number)");
        if (lanes > 1 && !actors) throw new InputException("--lanes needs --runtime actors (the direct loop has one agent)");
        if (lanes > 1 && (killAt is not null || killLearnerAt is not null)) throw new InputException("--kill worker@batch=B and learner@update=U need a single lane (the lane placing that batch asks for the fault)");
        if (cluster.Agents > 0 && (killAt is not null || killLearnerAt is not null))
            throw new InputException("--kill worker@batch=B and learner@update=U need the agent in the driver (--cluster without agents=A): the agent asks the driver for the fault at the right batch");
        if (killAgentAt is { } agentAt)
        {
            if (cluster.Agents == 0) throw new InputException("--kill agent@batch=B needs --cluster ...,agents=A (agents on nodes of their own; the first agent node is killed)");
            if (agentAt >= batches) throw new InputException($"--kill agent@batch={agentAt}: training has {batches} batches (0 to {batches - 1})");
        }
        if (killLearnerAt is { } update)
        {
            if (learners < 2) throw new InputException("--kill learner@update=U needs --cluster ...,learners=2 or more (another learner node takes over)");
            if (cluster.MaxPolicyLag is not null)
                throw new InputException("--kill learner@update=U needs --cluster ...,mode=sync: an asynchronous agent goes on sending while the learner moves, more than the singleton proxy holds");
            int updates = Learning.Training.Learner.Updates(batches, training.Learner.EpisodesPerUpdate);
            if (update > updates) throw new InputException($"--kill learner@update={update}: training makes {updates} updates (1 to {updates})");
        }
        var service = ClusterOption.ParseService(s.ServiceTime, workers);
        if (killAt is { } at)
        {
            if (workers < 2) throw new InputException("--kill worker@batch=B needs --cluster workers=2 or more (the survivors take the lost worker's blocks)");
            if (at >= batches) throw new InputException($"--kill worker@batch={at}: training has {batches} batches (0 to {batches - 1})");
        }
        if (s.ClusterReport is not null)
        {
            if (!cluster.Any) throw new InputException("--cluster-report needs --cluster workers=N, agents=A or learners=L");
            AtomicFile.CheckWritable(s.ClusterReport, "--cluster-report");
        }
        return new TrainOptions(stream, training, testBatches, (skews, mixPartitions, keys, segment), actors, output, s.LogFile, s.Verbose, s.Quiet, onStream)
            { TestTrace = testTrace, CheckpointEvery = every, Resume = resume, Cluster = cluster, KillWorkerAt = killAt, KillLearnerAt = killLearnerAt, KillAgentAt = killAgentAt, Lanes = lanes, ClusterReport = s.ClusterReport, Service = service };
    }

    /// <summary>A setting a resumed checkpoint fixes: a flag may repeat it, not change it.</summary>
    private static string Same(string fromCheckpoint, string? flag, string name) =>
        flag is null || flag == fromCheckpoint ? fromCheckpoint
        : throw new InputException($"{name} {flag}: the checkpoint given to --resume was trained with {fromCheckpoint}");

    /// <summary>A workload or file name as a folder name: drift:z=1.5,keys=10000 → drift-z1.5-keys10000.</summary>
    private static string Slug(string text)
    {
        var slug = new System.Text.StringBuilder();
        foreach (char c in text.ToLowerInvariant())
            if (char.IsAsciiLetterOrDigit(c) || c == '.') slug.Append(c);
            else if (c is ':' or ',' or '-' or '_' or ' ' && slug.Length > 0 && slug[^1] != '-') slug.Append('-');
        return slug.ToString().Trim('-');
    }

    private static List<T> ParseList<T>(string text, string flag, Func<string, IFormatProvider, T> parse)
    {
        var list = new List<T>();
        foreach (string piece in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            try { list.Add(parse(piece, CultureInfo.InvariantCulture)); }
            catch (FormatException) { throw new InputException($"{flag}: '{piece}' is not a number"); }
        }
        return list.Count > 0 ? list : throw new InputException($"{flag}: empty list");
    }
}
