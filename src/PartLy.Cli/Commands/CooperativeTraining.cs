using System.Globalization;
using PartLy.Cli.Options;
using PartLy.Core;
using PartLy.Core.Scheduling;
using PartLy.Core.Streams;
using PartLy.Learning.Algorithms;
using PartLy.Learning.Scheduling;
using Spectre.Console;

namespace PartLy.Cli.Commands;

/// <summary>A profile the cooperative scenario's test runs on (base load about 0.85 at 4 blocks, 400 batches).</summary>
public sealed record CooperativeTestRow(string Profile, ScheduleSummary Result);

/// <summary>
/// <c>partly train --scenario cooperative</c>: trains the scheduler agent (PPO, the greedy or a trained partitioner frozen) on
/// randomised profiles, then tests it beside every rule on a spike, a wave and a step; writes policy.json, the
/// learning curve (CSV and PNG: team cost against the best rule on the same streams) and the test (JSON, CSV).
/// </summary>
internal static class CooperativeTraining
{
    public const int DefaultBatches = 300_000;
    private const int EpisodeBatches = 200;

    public static int Run(TrainSettings s, CancellationToken cancel)
    {
        foreach (var (given, flag) in new (bool, string)[]
        {
            (s.Workload is not null, "--workload"), (s.Trace is not null, "--trace"), (s.TestTrace is not null, "--test-trace"), (s.Resume is not null, "--resume"),
            (s.TrainSkews is not null, "--train-skews"), (s.TrainPartitions is not null, "--train-partitions"), (s.KeysOption is not null, "--keys"),
            (s.SlackOption is not null, "--slack"), (s.SegmentOption is not null, "--segment"), (s.CostWeights is not null, "--cost-weights"),
            (s.EpisodesPerUpdate is not null, "--episodes-per-update"), (s.CheckpointEveryOption is not null, "--checkpoint-every"), (s.TestBatchesOption is not null, "--test-batches"),
            (s.TuplesOption is not null, "--tuples"), (s.BatchOption is not null, "--batch"), (s.Algorithm is not null && s.Algorithm != "ppo", "--algo"), (s.Cluster is not null, "--cluster"), (s.Kill is not null, "--kill"), (s.Lanes is not null, "--lanes"), (s.ClusterReport is not null, "--cluster-report"),
        })
            if (given) throw new InputException($"{flag} is not used by --scenario cooperative (it trains on randomised rate profiles of 1 ms batches, with PPO)");
        if (s.RuntimeOption is not null && s.RuntimeOption != "direct")
            throw new InputException($"--runtime {s.RuntimeOption}: --scenario cooperative trains in the direct loop only (training through the actors is not built yet)");
        bool informed = Check.OneOf(new Named<string>(s.ModeOption ?? "reactive", "--mode"), "reactive", "informed") == "informed";
        int start = s.PartitionsOption ?? 4;
        if (start < 1) throw new InputException($"--partitions must be at least 1, got {start}");
        long batches = s.BatchesOption ?? DefaultBatches;
        if (batches < EpisodeBatches) throw new InputException($"--batches must be at least {EpisodeBatches} (one episode) for --scenario cooperative, got {batches}");
        ulong seed = s.SeedOption ?? 42;
        string mode = informed ? "informed" : "reactive";
        string outDir = s.Out ?? Path.Combine("runs", $"cooperative-{mode}-seed{seed}");
        var cost = s.Configuration.Cost;
        var partitionerPolicy = s.PartitionerPolicy is null ? null : new Named<string>(s.PartitionerPolicy, "--partitioner-policy").Parse(PartLy.Learning.Checkpoint.Load);
        var env = new SchedulingEnvOptions(cost, new TeamCost(), "greedy", start, 4 * start, informed, MaxSteps: EpisodeBatches, PartitionerPolicy: partitionerPolicy);
        var learner = new LearnerOptions(LearningRate: s.LearningRate ?? 1e-3, Hidden: s.Hidden ?? 32);
        var options = new SchedulerTrainingOptions(env, learner, (int)((batches + EpisodeBatches - 1) / EpisodeBatches), seed);
        Directory.CreateDirectory(outDir);
        AnsiConsole.MarkupLine($"[bold]train[/] cooperative ({mode}, the scheduler agent with the {(partitionerPolicy is null ? "greedy" : "trained")} partitioner frozen, PPO, direct loop): {options.Episodes:N0} episodes of {EpisodeBatches} batches, P from {start} up to {4 * start}");

        var episodes = new List<SchedulerEpisode>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var trainer = new SchedulerTrainer(options);
        var checkpoint = ProgressDisplay.Run(s.Quiet, options.Episodes, "train cooperative", "episodes", progress =>
            trainer.Train(e => { episodes.Add(e); progress.Advance(1); }, cancel));
        double seconds = clock.Elapsed.TotalSeconds;
        string policyPath = Path.Combine(outDir, "policy.json");
        checkpoint.Save(policyPath);
        TypedFiles.WriteCsv(Path.Combine(outDir, "learning-curve.csv"), episodes);
        SchedulerCurve.WritePng(episodes, Path.Combine(outDir, "learning-curve.png"), $"cooperative scheduler ({mode}), seed {seed}");
        AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"trained {episodes.Count:N0} episodes ({checkpoint.TrainedBatches:N0} batches) in {seconds:F1} s{(cancel.IsCancellationRequested ? " (stopped)" : "")}"));

        var test = Test(checkpoint, cost, start, informed, seed);
        TypedFiles.WriteJson(Path.Combine(outDir, "test.json"), test);
        TypedFiles.WriteCsv(Path.Combine(outDir, "test.csv"), test.Select(r => r.Result with { Scheduler = $"{r.Profile}/{r.Result.Scheduler}" }));
        var table = new Table().Border(TableBorder.Simple);
        foreach (string header in new[] { "profile", "scheduler", "team cost", "late", "over I", "rescales", "mean P", "over-prov" })
            table.AddColumn(new TableColumn(header) { Alignment = header is "profile" or "scheduler" ? Justify.Left : Justify.Right });
        var inv = CultureInfo.InvariantCulture;
        foreach (var row in test)
        {
            var r = row.Result;
            table.AddRow(row.Profile, r.Scheduler, r.TeamCost.ToString("F3", inv), r.LateBatches.ToString(inv), r.OverIntervalBatches.ToString(inv), r.Rescales.ToString(inv),
                r.MeanPartitions.ToString("F1", inv), (100 * r.OverProvisioning).ToString("F0", inv) + "%");
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"wrote {Markup.Escape(outDir)}: policy.json, learning-curve.csv/png, test.json/csv (partly schedule --policy {Markup.Escape(policyPath)} compares it on any workload)");
        return 0;
    }

    /// <summary>Every rule and the learned scheduler on a spike, a wave and a step at a base load of about 0.85 (at 4 blocks).</summary>
    private static List<CooperativeTestRow> Test(SchedulerCheckpoint checkpoint, Core.Metrics.CostModel cost, int start, bool informed, ulong seed)
    {
        var interval = new BatchPolicy.ByInterval(1000);
        double perBatch = 1400.0 * start / 4;
        var rows = new List<CooperativeTestRow>();
        foreach (var (profile, spec) in new[] { ("spike", "spike=2.6@40+20"), ("wave", "wave=0.6,period=0.2,noise=0.1"), ("step", "step=1.5@40") })
        {
            var stream = new WorkloadStream(string.Create(CultureInfo.InvariantCulture, $"zipf:z=1,keys=10000,rate={perBatch * 1000:F0},{spec}"), (long)(perBatch * 400), seed, perBatch);
            var oracle = Oracle.Run(stream, interval, checkpoint.CreatePartitioner, cost, 1, 4 * start);
            double? change = profile == "spike" ? (40 + 20) * 1000.0 : profile == "step" ? 40 * 1000.0 : null;
            var schedulers = SchedulerRules.Names.Select(n => SchedulerRules.Create(n, cost)).Append(checkpoint.CreateScheduler(cost, start));
            foreach (var scheduler in schedulers)
            {
                var run = SchedulingRun.Run(stream, interval, checkpoint.CreatePartitioner(), scheduler, cost, start, 4 * start, informed: informed);
                rows.Add(new CooperativeTestRow(profile, ScheduleSummary.Of(scheduler.Name, checkpoint.Partitioner, run, 1000, oracle, checkpoint.Team, start, change)));
            }
        }
        return rows;
    }
}
