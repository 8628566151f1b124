using PartLy.Core;
using System.ComponentModel;
using System.Globalization;
using PartLy.Actors;
using PartLy.Actors.Configuration;
using PartLy.Cli.Options;
using PartLy.Learning.Algorithms;
using PartLy.Core.Bench;
using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;
using PartLy.Core.Streams;
using PartLy.Learning;
using PartLy.Learning.Rl;
using PartLy.Learning.Scenarios;
using PartLy.Learning.Scheduling;
using PartLy.Learning.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace PartLy.Cli.Commands;

public sealed class TrainSettings : StreamSettings
{
    [CommandOption("--scenario <NAME>")]
    [Description("partitioner (general: splits hot keys over any blocks, any P), partitioner-pk2 (the seed's assign-or-split over two candidates) or cooperative (the scheduler agent that picks each batch's P; --mode reactive|informed, --batches, --partitions the starting P, default 4). Default partly.train.scenario.")]
    public string? ScenarioOption { get; init; }

    [CommandOption("--mode <MODE>")]
    [Description("online (decide before the batch's counts are known) or buffered. Default partly.train.mode.")]
    public string? ModeOption { get; init; }

    [CommandOption("--batches <N>")]
    [Description("Training batches (one episode each; cooperative: episodes of 200). Default partly.train.batches (20,000; cooperative: 300,000).")]
    public int? BatchesOption { get; init; }

    [CommandOption("--test-batches <N>")]
    [Description("Test batches for the final table. Default partly.train.test-batches (1,000).")]
    public int? TestBatchesOption { get; init; }

    [CommandOption("--train-skews <LIST>")]
    [Description("Zipf exponents of the training mix (ignored when --workload or --trace is given: then training uses that stream). Default partly.train.skews (0.8,1.0,1.5,2.0).")]
    public string? TrainSkews { get; init; }

    [CommandOption("--train-partitions <LIST>")]
    [Description("P values of the training mix. Default partly.train.partitions (10,50).")]
    public string? TrainPartitions { get; init; }

    [CommandOption("--keys <N>")]
    [Description("Keys of the training mix's Zipf streams. Default partly.train.keys (10,000).")]
    public int? KeysOption { get; init; }

    [CommandOption("--checkpoint-every <N>")]
    [Description("Write policy.json every N training batches, so that a killed run keeps its last checkpoint (0: only at the end). Default partly.train.checkpoint-every (1,000).")]
    public int? CheckpointEveryOption { get; init; }

    [CommandOption("--cluster <SPEC>")]
    [Description("workers=N[[,agents=A]][[,learners=L]][[,mode=sync|async[[,max-lag=K]]]]: run on an Akka.Cluster on 127.0.0.1 with N worker node processes that process the blocks (one message per worker per batch; 0: the agent's own partition actors), A agent nodes each running a lane of the stream (its source, scheduler and agent; 0: in the driver) and L learner nodes hosting the learner (0: it stays in the driver). mode=sync (the default) gives the embedded run's numbers; mode=async never makes the agent wait for the learner, which corrects for the policy lag with V-trace and drops episodes more than K versions old (default 4).")]
    public string? Cluster { get; init; }

    [CommandOption("--lanes <K>")]
    [Description("Agents sharing the stream, each a lane (batch i on lane i mod K, each its own action seed), in one process with --runtime actors; --cluster agents=K gives each lane a node of its own, with the same numbers. Default 1.")]
    public int? Lanes { get; init; }

    [CommandOption("--kill <FAULT>")]
    [Description("worker@batch=B: with --cluster workers=2 or more, kill the first worker node (SIGKILL) just before training batch B goes out; its blocks go again to the survivors. learner@update=U: with learners=2 or more, kill the node hosting the learner just before update U (1 for the first); the learner resumes on another learner node from its last state. The numbers stay those of the run without the fault.")]
    public string? Kill { get; init; }

    [CommandOption("--service-time <SPEC>")]
    [Description("emulate[[:scale=S,slots=K]]: with --cluster, each worker node serves a block for its cost-model time as wall-clock (S µs per cost-model µs, default 100) on K task slots (default 4), one batch at a time; the test phase reports measured against predicted batch time.")]
    public string? ServiceTime { get; init; }

    [CommandOption("--cluster-report <FILE>")]
    [Description("With --cluster: write the cluster report (JSON: tuples lost and re-sent, the longest stall, policy hashes and throughput against the same experiment run again in one process, CPU and bytes per tuple, formation time).")]
    public string? ClusterReport { get; init; }

    [CommandOption("--partitioner-policy <FILE>")]
    [Description("--scenario cooperative: a trained partitioner's policy.json that places the batches while the scheduler learns (frozen; the scheduler's file then holds both agents). Default the greedy.")]
    public string? PartitionerPolicy { get; init; }

    [CommandOption("--resume <FILE>")]
    [Description("Go on training from a policy.json (a checkpoint or a finished run): its scenario, mode, slack and network; the stream goes on after the batches it was trained on. The optimiser starts afresh.")]
    public string? Resume { get; init; }

    [CommandOption("--test-trace <FILE>")]
    [Description("With --trace: test on this trace (read the same way) instead of the part of --trace after the tuples training used.")]
    public string? TestTrace { get; init; }

    [CommandOption("--slack <FRACTION>")]
    [Description("Imbalance the blocks may take so that fewer keys split: block capacity ⌊(1 + slack)·E/P⌋, with a fraction of a tuple carried to later batches, so the mean λ ≤ slack. 0 balances exactly. Default partly.train.slack.")]
    public double? SlackOption { get; init; }

    [CommandOption("--segment <N>")]
    [Description("Batches per stream in the training mix before a new stream (skew, P, seed) starts. Default partly.train.segment (100).")]
    public int? SegmentOption { get; init; }

    [CommandOption("--algo <NAME>")]
    [Description("ppo or reinforce (default from hocon: partly.learner.algorithm).")]
    public string? Algorithm { get; init; }

    [CommandOption("--lr <RATE>")]
    [Description("Adam learning rate, annealed linearly (default partly.learner.learning-rate).")]
    public double? LearningRate { get; init; }

    [CommandOption("--episodes-per-update <N>")]
    [Description("Batches per policy update (default partly.learner.episodes-per-update).")]
    public int? EpisodesPerUpdate { get; init; }

    [CommandOption("--hidden <N>")]
    [Description("Width of the policy network's hidden layers (default partly.learner.hidden).")]
    public int? Hidden { get; init; }

    [CommandOption("--cost-weights <WEIGHTS>")]
    [Description("What the reward charges: imbalance=1,replication=1,cardinality=0,migration=0 (default partly.reward).")]
    public string? CostWeights { get; init; }

    [CommandOption("--runtime <NAME>")]
    [Description("actors (the embedded single-node ActorSystem) or direct (the in-process loop, for comparison). Default actors (cooperative: direct).")]
    public string? RuntimeOption { get; init; }

    public string Runtime => RuntimeOption ?? "actors";

    [CommandOption("--log-file <FILE>")]
    [Description("Also write the log (information and up) to this file.")]
    public string? LogFile { get; init; }

    [CommandOption("--verbose")]
    [Description("Log information messages to the console too.")]
    public bool Verbose { get; init; }

    [CommandOption("--out <DIR>")]
    [Description("Where the policy, learning curve and test report go (default runs/SCENARIO-MODE-seedSEED).")]
    public string? Out { get; init; }

    [CommandOption("--quiet")]
    public bool Quiet { get; init; }
}

public sealed class TrainCommand : Command<TrainSettings>
{
    public override int Execute(CommandContext context, TrainSettings s, CancellationToken cancellationToken)
    {
        if (s.ScenarioOption == SchedulerCheckpoint.Scenario) return CooperativeTraining.Run(s, cancellationToken);
        var config = s.Configuration;
        var o = TrainOptions.Parse(s, config);
        var options = o.Training;
        var mode = options.Mode;
        var learner = options.Learner;
        var weights = options.Weights;
        bool actors = o.Actors;
        PartLy.Actors.Runtime.ConfigureLogging(o.LogFile, o.Verbose);
        string outDir = o.Out;
        var policy = o.Stream.Batch;
        string trainedOn = o.TrainedOn;
        var trainFeed = o.TrainingFeed();
        var testStream = o.TestStream();

        var fresh = Trainer.NewPolicy(ScenarioRegistry.Create(options.Scenario), options);
        int weightCount = fresh.Scorer.Parameters.Length + fresh.Value.Parameters.Length;
        AnsiConsole.MarkupLine($"[bold]train[/] {Markup.Escape(options.Scenario)} ({mode.ToString().ToLowerInvariant()}, slack {options.Slack.ToString(CultureInfo.InvariantCulture)}, {weightCount} weights, {learner.Algorithm}, {(actors ? "actors" : "direct loop")}) on {Markup.Escape(trainedOn)}: {options.Batches:N0} batches");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Checkpoint checkpoint;
        List<EpisodeRecord> episodes;
        ExperimentCompleted? actorRun = null;
        TrainingTime time;
        Func<Checkpoint, ClusterReport>? clusterReport = null;
        try
        {
            if (actors) (checkpoint, episodes, actorRun, time, clusterReport) = TrainOnActors(o, config, trainFeed, new StreamFeedSpec(testStream, policy, o.Stream.Partitions), cancellationToken);
            else (checkpoint, episodes, actorRun, time) = TrainDirect(o, trainFeed, cancellationToken);
        }
        catch (TrainingDivergedException e)
        {
            Console.Error.WriteLine($"error: training diverged: {e.Message}. No policy was written.");
            return 3;
        }
        double seconds = actorRun?.TrainSeconds ?? clock.Elapsed.TotalSeconds;
        Directory.CreateDirectory(outDir);
        string policyPath = Path.Combine(outDir, "policy.json");
        checkpoint.Save(policyPath);
        LearningCurve.WriteCsv(episodes, Path.Combine(outDir, "learning-curve.csv"));
        LearningCurve.WritePng(episodes, Path.Combine(outDir, "learning-curve.png"), $"PartLy {options.Scenario} ({mode.ToString().ToLowerInvariant()}) on {trainedOn}");
        if (cancellationToken.IsCancellationRequested || actorRun?.Stopped == true)
        {
            AnsiConsole.MarkupLine($"[yellow]stopped after {episodes.Count:N0} batches[/]; the policy as last updated: {Markup.Escape(policyPath)}");
            return 130;
        }
        // Learning asynchronously, the updates run on the learner's node beside the placing: the time is not a sum.
        string split = o.Cluster.MaxPolicyLag is null
            ? string.Create(CultureInfo.InvariantCulture, $"placing {time.PlacingSeconds:F1} s, policy updates {time.UpdateSeconds:F1} s, the rest {seconds - time.PlacingSeconds - time.UpdateSeconds:F1} s ({(actors ? "messages, sources, partition actors, metrics" : "sources, metrics")})")
            : string.Create(CultureInfo.InvariantCulture, $"placing {time.PlacingSeconds:F1} s, alongside policy updates {time.UpdateSeconds:F1} s on the learner's node");
        AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"trained {episodes.Count:N0} batches in {seconds:F1} s ({episodes.Count / Math.Max(seconds, 1e-9):F0} batches/s, {episodes.Average(e => e.Decisions):F1} decisions per batch): {split}; policy: {Markup.Escape(policyPath)}"));

        var entries = new List<BenchEntry> { new("learned", () => checkpoint.CreatePartitioner()) };
        entries.AddRange(StrategyList.Parse(null));
        long? testTuples = o.Stream.Batch is BatchPolicy.ByCount ? (long)Math.Ceiling(o.TestBatches * o.Stream.TuplesPerBatch) : null;
        var report = ProgressDisplay.Run(o.Quiet, testTuples * entries.Count, "test", "tuples routed",
            progress => BenchRunner.Run(testStream, policy, o.Stream.Partitions, entries, config.Cost, options.Seed, progress.Advance, cancellationToken, weights));
        ReportTable.Write(report);
        if (actorRun is { Test.Count: > 0 } run)
        {
            var lambda = Stat.Of(run.Test.Select(m => m.SizeImbalance).ToList());
            var replication = Stat.Of(run.Test.Select(m => m.Replication).ToList());
            AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                $"through the actors ({(o.Cluster.Agents > 0 ? "on an agent node: " : "")}source → agent → {(o.Cluster.Workers > 0 ? $"{o.Stream.Partitions} blocks on {o.Cluster.Workers} worker nodes, a message per worker" : $"{o.Stream.Partitions} partition actors")} → reports{(o.Cluster.Learners > 0 ? $"; the learner on {o.Cluster.Learners} learner nodes" : "")}): {run.Test.Count:N0} test batches, λ mean {lambda.Mean:F3}, replication mean {replication.Mean:F3}, {run.SteadyTestTuplesPerSecond / 1e6:F2}M tuples/s end to end after warm-up ({run.TestTuplesPerSecond / 1e6:F2}M over the whole test; the agent alone routes those batches at {run.SteadyTestRoutingTuplesPerSecond / 1e6:F2}M: end to end is {run.SteadyTestTuplesPerSecond / Math.Max(run.SteadyTestRoutingTuplesPerSecond, 1e-9):F2} of it)"));
            if (o.Service is not null && ServiceRun.Of("learned", run, null) is { } served)
                AnsiConsole.MarkupLine(Markup.Escape($"emulated service time ({o.Service.Format()}, {o.Cluster.Workers} worker nodes): {served.Describe()}"));
        }
        if (actorRun?.Delivery is { } delivery)
            AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                $"worker nodes: {delivery.WorkersLost} lost, {delivery.BlocksResent} blocks re-sent, {delivery.DuplicatesDropped} duplicate reports dropped, every batch's tuples all reported once; longest wait for a batch's reports {delivery.LongestWaitSeconds:F2} s"));
        if (actorRun is { AgentNodesLost: > 0 } moved)
            AnsiConsole.MarkupLine($"agent nodes: {moved.AgentNodesLost} lost; {moved.LanesMoved} lanes started again on the agent nodes left, each from its first batch not completed, with no memory of the keys (the numbers are not the fault-free run's)");
        ReportWriter.WriteJson(report, Path.Combine(outDir, "test.json"));
        ReportWriter.WriteCsv(report, Path.Combine(outDir, "test.csv"));
        TradeOffChart.WritePng(report, Path.Combine(outDir, "test.png"));
        AnsiConsole.MarkupLine($"wrote {Markup.Escape(outDir)}/policy.json, learning-curve.png, learning-curve.csv, test.json, test.csv, test.png");
        if (clusterReport is not null && o.ClusterReport is not null)
        {
            var cluster = clusterReport(checkpoint);
            cluster.Write(o.ClusterReport);
            AnsiConsole.MarkupLine(o.Cluster.MaxPolicyLag is null
                ? string.Create(CultureInfo.InvariantCulture, $"cluster report {Markup.Escape(o.ClusterReport)}: policy {(cluster.PolicySha256 == cluster.EmbeddedPolicySha256 ? "equal to" : "[red]different from[/]")} the embedded run's, throughput {cluster.TuplesPerSecond / Math.Max(cluster.EmbeddedTuplesPerSecond, 1e-9):F2} of it, {cluster.TuplesLost} tuples lost")
                : string.Create(CultureInfo.InvariantCulture, $"cluster report {Markup.Escape(o.ClusterReport)}: asynchronous training took {cluster.TrainSeconds:F1} s, {cluster.TrainSeconds / Math.Max(cluster.EmbeddedTrainSeconds, 1e-9):F2} of the embedded synchronous run's {cluster.EmbeddedTrainSeconds:F1} s; test cost {cluster.TestCost:F4} against its {cluster.EmbeddedTestCost:F4}; {cluster.EpisodesDropped} episodes dropped as more than {o.Cluster.MaxPolicyLag} versions old; {cluster.TuplesLost} tuples lost"));
        }
        return 0;
    }

    private static (Checkpoint, List<EpisodeRecord>, ExperimentCompleted?, TrainingTime) TrainDirect(TrainOptions o, FeedSpec trainFeed, CancellationToken cancel)
    {
        var trainer = new Trainer(o.Training, o.Resume?.Policy);
        var episodes = new List<EpisodeRecord>(o.Training.Batches);
        string policyPath = Path.Combine(o.Out, "policy.json");
        using var feed = trainFeed.Open();
        var checkpoint = ProgressDisplay.Run(o.Quiet, o.Training.Batches, "train", "batches", progress =>
            trainer.Run(feed, o.TrainedOn, e =>
            {
                Record(episodes, e, progress);
                if (o.CheckpointEvery > 0 && (e.Episode + 1) % o.CheckpointEvery == 0)
                    trainer.Snapshot(o.PriorBatches + e.Episode + 1, o.TrainedOn).Save(policyPath);
            }, cancel));
        return (checkpoint with { TrainedBatches = o.PriorBatches + checkpoint.TrainedBatches }, episodes, null, trainer.Time);
    }

    private static (Checkpoint, List<EpisodeRecord>, ExperimentCompleted?, TrainingTime, Func<Checkpoint, ClusterReport>?) TrainOnActors(TrainOptions o, RuntimeConfig config,
        FeedSpec trainFeed, FeedSpec testFeed, CancellationToken cancel)
    {
        var options = o.Training;
        var spec = new ExperimentSpec(options, trainFeed, testFeed, o.TestBatches, Window: config.Window, TuplesPerSecond: config.TuplesPerSecond, ReportTimeoutSeconds: config.Runtime.ReportTimeoutSeconds,
            InitialWeights: o.Resume is { } resumed ? LearnerActor.WeightsOf(resumed.Policy, 0) : null, KillWorkerAt: o.KillWorkerAt, Service: o.Service, KillLearnerAt: o.KillLearnerAt,
            MaxPolicyLag: o.Cluster.MaxPolicyLag, KillAgentAt: o.KillAgentAt, Lanes: o.Lanes);
        var shown = new List<EpisodeRecord>(options.Batches);
        PartLy.Actors.Runtime.ClusterFigures? figures = null;
        string policyPath = Path.Combine(o.Out, "policy.json");
        long saved = 0;
        void OnWeights(ExperimentWeights w)
        {
            if (o.CheckpointEvery == 0 || w.Batches - saved < o.CheckpointEvery) return;
            saved = w.Batches;
            new Checkpoint(options.Scenario, options.Mode, options.Weights, options.Learner, LearnerActor.PolicyOf(options, w.Weights),
                o.PriorBatches + w.Batches, options.Seed, o.TrainedOn, options.Slack).Save(policyPath);
        }
        var run = ProgressDisplay.Run(o.Quiet, options.Batches + (long)o.TestBatches, "train (actors)", "batches", progress =>
            PartLy.Actors.Runtime.RunAsync(spec, config, p =>
            {
                var batch = p.Batch;
                if (p.Phase == "train")
                    Record(shown, new EpisodeRecord(batch.Sequence, batch.Reward, batch.ReferenceReward, batch.Metrics.SizeImbalance, batch.Metrics.Replication, batch.Decisions, batch.Metrics.Partitions, batch.Stream), progress);
                else progress.Advance(1);
            }, cancel, logInformation: o.Verbose || o.LogFile is not null, onWeights: OnWeights,
                cluster: o.Cluster.Any ? new PartLy.Actors.Runtime.ClusterLaunch(o.Cluster.Workers, NodeCommand.Self(), o.Cluster.Learners, o.Cluster.Agents) : null, onCluster: f => figures = f).GetAwaiter().GetResult());
        Func<Checkpoint, ClusterReport>? report = null;
        if (o.ClusterReport is not null && figures is not null && !run.Stopped)
        {
            // The same experiment in one process, learning synchronously, for the report's equality and ratios.
            var embedded = ProgressDisplay.Run(o.Quiet, options.Batches + (long)o.TestBatches, "embedded reference", "batches", progress =>
                PartLy.Actors.Runtime.RunAsync(spec with { KillWorkerAt = null, KillLearnerAt = null, KillAgentAt = null, Service = null, MaxPolicyLag = null }, config, _ => progress.Advance(1), cancel).GetAwaiter().GetResult());
            var embeddedPolicy = CheckpointOf(o, embedded).ToBytes();
            report = checkpoint => ClusterReport.Of(o, run, figures, checkpoint.ToBytes(), embeddedPolicy, embedded);
        }
        return (CheckpointOf(o, run), run.Training.ToList(), run, run.TrainTime, report);
    }

    private static Checkpoint CheckpointOf(TrainOptions o, ExperimentCompleted run)
    {
        var options = o.Training;
        var trained = Trainer.NewPolicy(ScenarioRegistry.Create(options.Scenario), options);
        run.Weights.Scorer.AsSpan().CopyTo(trained.Scorer.Parameters);
        run.Weights.Value.AsSpan().CopyTo(trained.Value.Parameters);
        return new Checkpoint(options.Scenario, options.Mode, options.Weights, options.Learner, trained, o.PriorBatches + run.Training.Count, options.Seed, o.TrainedOn, options.Slack);
    }

    private static void Record(List<EpisodeRecord> episodes, EpisodeRecord e, ProgressSink progress)
    {
        episodes.Add(e);
        if (episodes.Count % 50 == 0)
        {
            int from = Math.Max(0, episodes.Count - 200);
            double reward = 0, gain = 0, imbalance = 0;
            for (int i = from; i < episodes.Count; i++)
            {
                reward += episodes[i].Reward;
                gain += episodes[i].Reward - episodes[i].ReferenceReward;
                imbalance += episodes[i].Imbalance;
            }
            int n = episodes.Count - from;
            progress.Detail(string.Create(CultureInfo.InvariantCulture, $"reward {reward / n:F3} (vs its rules {gain / n:+0.000;-0.000}) λ {imbalance / n:F3}"));
        }
        progress.Advance(1);
    }
}
