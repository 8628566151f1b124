using PartLy.Core;
using System.ComponentModel;
using PartLy.Core.Bench;
using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;
using PartLy.Core.Streams;
using PartLy.Actors;
using PartLy.Actors.Configuration;
using PartLy.Cli.Options;
using PartLy.Learning;
using PartLy.Learning.Rl;
using PartLy.Learning.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace PartLy.Cli.Commands;

public sealed class BenchSettings : StreamSettings
{
    [CommandOption("--strategies <LIST>")]
    [Description("Comma-separated strategies, each with optional parameters (pkg:d=5,d-choices:theta=0.01); 'all' is every strategy with its defaults (all,greedy:slack=0.01); default: all. See 'partly strategies'.")]
    public string? Strategies { get; init; }

    [CommandOption("--cost <COEFFICIENTS>")]
    [Description("Cost model: a=PER_TUPLE,b=PER_DISTINCT_KEY,c=PER_EXTRA_FRAGMENT,d=PER_PARTITION. Default partly.cost (a=1,b=2,c=5,d=10).")]
    public string? Cost { get; init; }

    [CommandOption("--cost-weights <WEIGHTS>")]
    [Description("Weights of the full cost column: imbalance=1,replication=1,cardinality=0,migration=0. Default partly.reward.")]
    public string? CostWeights { get; init; }

    public CostModel CostModel => Cost is null ? Configuration.Cost : new Named<string>(Cost, "--cost").Parse(CostModel.Parse);
    public CostWeights Weights => CostWeights is null ? Configuration.Reward : new Named<string>(CostWeights, "--cost-weights").Parse(PartLy.Core.Metrics.CostWeights.Parse);

    [CommandOption("--json <FILE>")]
    [Description("Write the report as JSON.")]
    public string? Json { get; init; }

    [CommandOption("--csv <FILE>")]
    [Description("Write one CSV row per strategy (and one for the bounds).")]
    public string? Csv { get; init; }

    [CommandOption("--png <FILE>")]
    [Description("Chart the trade-off: each strategy at (replication, λ).")]
    public string? Png { get; init; }

    [CommandOption("--policy <FILE>")]
    [Description("A trained policy (from 'partly train') to run beside the strategies, as the row 'learned'.")]
    public string? Policy { get; init; }

    [CommandOption("--ablation")]
    [Description("With --policy: also run the policy's scenario with fixed choices instead of the network (rows rules-first: the first candidate; rules-random: a random one), to show what the learned choice adds.")]
    public bool Ablation { get; init; }

    [CommandOption("--runtime <NAME>")]
    [Description("With --policy: actors (also run the policy through the embedded ActorSystem and report its end-to-end figures) or direct. Default: actors for evaluate, direct for bench.")]
    public string? Runtime { get; init; }

    [CommandOption("--cluster <SPEC>")]
    [Description("workers=N[[,mode=sync]]: run the policy on an Akka.Cluster on 127.0.0.1 with N worker node processes that process the blocks (needs --policy, the actors runtime).")]
    public string? Cluster { get; init; }

    [CommandOption("--service-time <SPEC>")]
    [Description("emulate[[:scale=S,slots=K]]: with --cluster, the worker nodes serve each block for its cost-model time as wall-clock (S µs per cost-model µs, default 100) on K task slots each (default 4), one batch at a time; the policy and then hash run through them, measured against the cost model's prediction.")]
    public string? ServiceTime { get; init; }

    [CommandOption("--service-report <FILE>")]
    [Description("With --service-time: write the measured and predicted batch times of the policy and hash as JSON.")]
    public string? ServiceReport { get; init; }

    [CommandOption("--no-timing")]
    [Description("Skip the steady-state routing measurement (about 0.8 s per strategy): tuples_per_second is then 0.")]
    public bool NoTiming { get; init; }

    [CommandOption("--quiet")]
    [Description("No progress bar.")]
    public bool Quiet { get; init; }
}

public sealed class BenchCommand : Command<BenchSettings>
{
    public override int Execute(CommandContext context, BenchSettings settings, CancellationToken cancellationToken) =>
        Run(settings, "direct", cancellationToken);

    internal static int Run(BenchSettings settings, string defaultRuntime, CancellationToken cancellationToken)
    {
        bool actors = Check.OneOf(new Named<string>(settings.Runtime ?? defaultRuntime, "--runtime"), "actors", "direct") == "actors";
        var cluster = settings.Cluster is null ? ClusterOption.Shape.None : new Named<string>(settings.Cluster, "--cluster").Parse(ClusterOption.Parse);
        int workers = cluster.Workers;
        if (cluster.Learners > 0) throw new InputException("--cluster learners=L: evaluation does not learn (learner nodes are for partly train)");
        if (cluster.MaxPolicyLag is not null) throw new InputException("--cluster mode=async: evaluation does not learn (asynchronous learning is for partly train)");
        if (cluster.Any && (!actors || settings.Policy is null)) throw new InputException("--cluster runs a trained policy through the actors: it needs --policy and --runtime actors");
        var service = ClusterOption.ParseService(settings.ServiceTime, workers);
        if (settings.ServiceReport is not null)
        {
            if (service is null) throw new InputException("--service-report needs --service-time");
            AtomicFile.CheckWritable(settings.ServiceReport, "--service-report");
        }
        var stream = settings.Stream;
        foreach (var (path, flag) in new[] { (settings.Json, "--json"), (settings.Csv, "--csv"), (settings.Png, "--png") })
            if (path is not null) AtomicFile.CheckWritable(path, flag);
        var cost = settings.CostModel;
        var weights = settings.Weights;
        var entries = StrategyList.Parse(settings.Strategies);
        var policy = stream.Batch;
        var source = stream.Spec();
        if (stream.Trace is not null) using (source.Open()) { } // a trace that cannot be read fails here, before the policy is loaded
        Checkpoint? checkpoint = settings.Policy is null ? null : Checkpoint.Load(settings.Policy);
        if (settings.Ablation && checkpoint is null) throw new InputException("--ablation needs --policy FILE");
        if (checkpoint is not null)
        {
            entries.Insert(0, new BenchEntry("learned", () => checkpoint.CreatePartitioner()));
            if (settings.Ablation)
            {
                if (checkpoint.RulesStrategy() is null) throw new InputException($"--ablation: the policy's scenario '{checkpoint.Scenario}' has no rules strategy to compare with");
                string first = checkpoint.RulesStrategy()!, random = checkpoint.RulesStrategy("random") + $",seed={stream.Seed}";
                entries.Insert(1, new BenchEntry(first, () => Strategies.Create(first)));
                entries.Insert(2, new BenchEntry(random, () => Strategies.Create(random)));
            }
        }
        if (checkpoint is not null && actors) RunOnActors(settings, checkpoint, cluster, service, cancellationToken);
        var report = ProgressDisplay.Run(settings.Quiet, stream.Trace is null ? stream.Tuples * entries.Count : null, "bench", "tuples routed",
            progress => BenchRunner.Run(source, policy, stream.Partitions, entries, cost, stream.Seed, progress.Advance, cancellationToken, weights, timeRouting: !settings.NoTiming));
        ReportTable.Write(report);
        if (settings.Json is not null) ReportWriter.WriteJson(report, settings.Json);
        if (settings.Csv is not null) ReportWriter.WriteCsv(report, settings.Csv);
        if (settings.Png is not null) TradeOffChart.WritePng(report, settings.Png);
        var written = new[] { settings.Json, settings.Csv, settings.Png }.OfType<string>().ToList();
        if (written.Count > 0) AnsiConsole.MarkupLine($"wrote {Markup.Escape(string.Join(", ", written))}");
        return 0;
    }

    /// <summary>Runs the policy through the embedded ActorSystem (source, agent, partition actors) and prints its figures.</summary>
    private static void RunOnActors(BenchSettings settings, Checkpoint checkpoint, ClusterOption.Shape cluster, ServiceTime? service, CancellationToken cancel)
    {
        int workers = cluster.Workers;
        var stream = settings.Stream;
        var config = settings.Configuration;
        PartLy.Actors.Runtime.ConfigureLogging(null, verbose: false);
        var options = new TrainingOptions(checkpoint.Scenario, checkpoint.Mode, checkpoint.Weights, checkpoint.Learner, 0, checkpoint.Seed, settings.CostModel, checkpoint.Slack);
        var weights = LearnerActor.WeightsOf(checkpoint.Policy, 1);
        var spec = new ExperimentSpec(options, null, new StreamFeedSpec(stream.Spec(), stream.Batch, stream.Partitions, Loop: false), long.MaxValue,
            InitialWeights: weights, Window: config.Window, TuplesPerSecond: config.TuplesPerSecond, ReportTimeoutSeconds: config.Runtime.ReportTimeoutSeconds, Service: service);
        double? cpuShare = null;
        var run = ProgressDisplay.Run(settings.Quiet, null, "actors", "batches", progress =>
            PartLy.Actors.Runtime.RunAsync(spec, config, _ => progress.Advance(1), cancel, cluster: cluster.Any ? new PartLy.Actors.Runtime.ClusterLaunch(workers, NodeCommand.Self(), Agents: cluster.Agents) : null,
                onCluster: f => cpuShare = f.TestCpu?.Share).GetAwaiter().GetResult());
        var lambda = Stat.Of(run.Test.Select(m => m.SizeImbalance).ToList());
        var replication = Stat.Of(run.Test.Select(m => m.Replication).ToList());
        AnsiConsole.MarkupLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"learned policy through the actors ({(cluster.Agents > 0 ? "on an agent node: " : "")}source → agent → {(workers > 0 ? $"{stream.Partitions} blocks on {workers} worker nodes, a message per worker" : $"{stream.Partitions} partition actors")} → reports): {run.Test.Count:N0} batches, λ mean {lambda.Mean:F3} (p95 {lambda.P95:F3}), replication mean {replication.Mean:F3}, {run.SteadyTestTuplesPerSecond / 1e6:F2}M tuples/s end to end after warm-up ({run.TestTuplesPerSecond / 1e6:F2}M over the whole run; the agent alone routes those batches at {run.SteadyTestRoutingTuplesPerSecond / 1e6:F2}M: end to end is {run.SteadyTestTuplesPerSecond / Math.Max(run.SteadyTestRoutingTuplesPerSecond, 1e-9):F2} of it)"));
        if (service is not null && ServiceRun.Of("learned", run, cpuShare) is { } learned) CompareWithHash(settings, spec, cluster, service, learned, cancel);
    }

    /// <summary>Emulated service time: hash through the same worker nodes, and the policy's batch-time ratio to it, measured and predicted.</summary>
    private static void CompareWithHash(BenchSettings settings, ExperimentSpec spec, ClusterOption.Shape cluster, ServiceTime service, ServiceRun learned, CancellationToken cancel)
    {
        int workers = cluster.Workers;
        double? cpuShare = null;
        var run = ProgressDisplay.Run(settings.Quiet, null, "actors (hash)", "batches", progress =>
            PartLy.Actors.Runtime.RunAsync(spec with { TestStrategy = "hash" }, settings.Configuration, _ => progress.Advance(1), cancel, cluster: new PartLy.Actors.Runtime.ClusterLaunch(workers, NodeCommand.Self(), Agents: cluster.Agents),
                onCluster: f => cpuShare = f.TestCpu?.Share).GetAwaiter().GetResult());
        var hash = ServiceRun.Of("hash", run, cpuShare)!;
        var report = ServiceReport.Of(workers, service, settings.Stream.Partitions, learned, hash);
        AnsiConsole.MarkupLine(Markup.Escape($"emulated service time ({service.Format()}, {workers} worker nodes, P = {settings.Stream.Partitions}), after warm-up:"));
        foreach (var line in new[] { learned.Describe(), hash.Describe(), report.Describe() }) AnsiConsole.MarkupLine(Markup.Escape("  " + line));
        if (settings.ServiceReport is not null)
        {
            report.Write(settings.ServiceReport);
            AnsiConsole.MarkupLine($"wrote {Markup.Escape(settings.ServiceReport)}");
        }
    }
}

/// <summary>
/// Parses a --strategies list; a piece with '=' but no ':' continues the parameters of the piece before it, and
/// <c>all</c> stands for every strategy with its defaults.
/// </summary>
public static class StrategyList
{
    public static List<BenchEntry> Parse(string? text)
    {
        var specs = SpecList.Split(text, Strategies.Names, "--strategies", "hash,pkg");
        var entries = new List<BenchEntry>();
        foreach (string spec in specs)
        {
            if (entries.Exists(e => e.Strategy == spec.ToLowerInvariant())) throw new InputException($"--strategies: '{spec}' is listed twice");
            new Named<string>(spec, "--strategies").Parse(Strategies.Create);
            entries.Add(new BenchEntry(spec.ToLowerInvariant(), () => Strategies.Create(spec)));
        }
        return entries;
    }
}

/// <summary>A trained policy on any workload or trace, beside the baselines (bench with --policy required).</summary>
public sealed class EvaluateCommand : Command<BenchSettings>
{
    public override int Execute(CommandContext context, BenchSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Policy is null) throw new InputException("evaluate needs --policy FILE (a policy.json written by 'partly train')");
        return BenchCommand.Run(settings, "actors", cancellationToken);
    }
}

public sealed class StrategiesCommand : Command
{
    public override int Execute(CommandContext context, CancellationToken cancellationToken)
    {
        var table = new Table().Border(TableBorder.Simple).AddColumn("strategy").AddColumn("what it does");
        foreach (var (id, summary) in Strategies.Describe()) table.AddRow(id, Markup.Escape(summary));
        AnsiConsole.Write(table);
        return 0;
    }
}
