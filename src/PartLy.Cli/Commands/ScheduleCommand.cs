using System.ComponentModel;
using System.Globalization;
using PartLy.Cli.Options;
using PartLy.Core;
using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;
using PartLy.Core.Scheduling;
using PartLy.Core.Streams;
using Spectre.Console;
using Spectre.Console.Cli;

namespace PartLy.Cli.Commands;

public sealed class ScheduleSettings : StreamSettings
{
    [CommandOption("--max-partitions <N>")]
    [Description("The largest parallelism a scheduler may choose (at least --partitions). Default 4 × --partitions.")]
    public int? MaxPartitions { get; init; }

    [CommandOption("--schedulers <LIST>")]
    [Description("Comma-separated scheduling rules with optional parameters (ds2:warmup=1); 'all' is every rule; default all.")]
    public string? Schedulers { get; init; }

    [CommandOption("--partitioner <STRATEGY>")]
    [Description("The partitioner that places every batch into the chosen blocks (see 'partly strategies'). Default greedy.")]
    [DefaultValue("greedy")]
    public string Partitioner { get; init; } = "greedy";

    [CommandOption("--policy <FILE>")]
    [Description("A trained partitioner's policy (partly train) as every row's partitioner, named learned; or a trained scheduler's (partly train --scenario cooperative): a row learned joins the rules, every row with the partitioner it was trained with.")]
    public string? Policy { get; init; }

    [CommandOption("--cost <COEFFICIENTS>")]
    [Description("Cost model (µs): a=PER_TUPLE,b=PER_DISTINCT_KEY,c=PER_EXTRA_FRAGMENT,d=PER_PARTITION. Default partly.cost (a=1,b=2,c=5,d=10).")]
    public string? Cost { get; init; }

    [CommandOption("--migration-cost <US>")]
    [Description("µs per tuple whose key's state moves on a rescale (its block did not hold the key last batch). Default 0.")]
    public double MigrationCost { get; init; }

    [CommandOption("--rescale-cost <SLOTS>")]
    [Description("What the clairvoyant bound charges a rescale, in blocks held for one interval. Default 1.")]
    [DefaultValue(1.0)]
    public double RescaleCost { get; init; } = 1;

    [CommandOption("--lag <BATCHES>")]
    [Description("Provisioning lag: more blocks take effect this many batches after they are asked for. Default 0.")]
    public int Lag { get; init; }

    [CommandOption("--team-weights <WEIGHTS>")]
    [Description("Weights of team_cost per batch: late=1,overrun=1,resources=0.1,rescale=0.1 (resources: P / the starting P).")]
    public string? TeamWeights { get; init; }

    [CommandOption("--mode <MODE>")]
    [Description("reactive: a rule sees the batches before the one it sizes; informed: also a sketch of that batch (size, distinct keys, heaviest keys), and the partitioner its size. Default reactive.")]
    [DefaultValue("reactive")]
    public string Mode { get; init; } = "reactive";

    [CommandOption("--actors")]
    [Description("Run each rule through the actors (a SchedulerActor, the partitioner agent, a partition actor per block) instead of the loop; the same figures.")]
    public bool Actors { get; init; }

    [CommandOption("--json <FILE>")]
    [Description("Write the results as JSON.")]
    public string? Json { get; init; }

    [CommandOption("--csv <FILE>")]
    [Description("Write the results as CSV.")]
    public string? Csv { get; init; }

    [CommandOption("--batches <FILE>")]
    [Description("Write every batch of every scheduler as CSV (P, the oracle's P, times in µs, late, rescaled, moved share).")]
    public string? Batches { get; init; }

    [CommandOption("--png <FILE>")]
    [Description("Chart P, T / I and latency / I over the batches for every scheduler (with the oracle's P).")]
    public string? Png { get; init; }

    [CommandOption("--quiet")]
    [Description("No progress bar.")]
    public bool Quiet { get; init; }
}

/// <summary>What <c>partly schedule</c> writes as JSON.</summary>
public sealed record ScheduleDocument(string Workload, string Interval, int StartPartitions, int MaxPartitions, ulong Seed, double BaseLoad, IReadOnlyList<ScheduleSummary> Results, ScheduleBounds Bounds);

/// <summary>
/// The informed per-batch oracle (its resources, mean P, the batches no P in range gets on time) and the clairvoyant
/// dynamic program over the run (fewest resources with no late batch, each rescale charged --rescale-cost).
/// </summary>
public sealed record ScheduleBounds(double OracleResourceSeconds, double OracleMeanPartitions, int OracleInfeasibleBatches,
    double DpResourceSeconds, double DpMeanPartitions, int DpRescales, double RescaleCost);

/// <summary>Scheduling rules side by side on one time-batched stream: each picks every batch's parallelism.</summary>
public sealed class ScheduleCommand : Command<ScheduleSettings>
{
    public override int Execute(CommandContext context, ScheduleSettings settings, CancellationToken cancellationToken)
    {
        foreach (var (path, flag) in new[] { (settings.Json, "--json"), (settings.Csv, "--csv"), (settings.Batches, "--batches"), (settings.Png, "--png") })
            if (path is not null) AtomicFile.CheckWritable(path, flag);
        var stream = settings.Stream;
        if (stream.Batch is not BatchPolicy.ByInterval interval)
            throw new InputException($"--batch {stream.Batch}: scheduling needs time-based batches (an interval such as 10ms, 1s, 1h)");
        int start = stream.Partitions;
        int max = settings.MaxPartitions ?? 4 * start;
        if (max < start) throw new InputException($"--max-partitions {max} is below --partitions {start}");
        if (settings.MigrationCost < 0 || !double.IsFinite(settings.MigrationCost)) throw new InputException($"--migration-cost must be 0 or more µs, got {settings.MigrationCost}");
        if (settings.RescaleCost < 0 || !double.IsFinite(settings.RescaleCost)) throw new InputException($"--rescale-cost must be 0 or more, got {settings.RescaleCost}");
        if (settings.Lag < 0) throw new InputException($"--lag must be 0 or more batches, got {settings.Lag}");
        bool informed = Check.OneOf(new Named<string>(settings.Mode, "--mode"), "reactive", "informed") == "informed";
        var team = settings.TeamWeights is null ? new TeamCost() : new Named<string>(settings.TeamWeights, "--team-weights").Parse(TeamCost.Parse);
        var cost = settings.Cost is null ? settings.Configuration.Cost : new Named<string>(settings.Cost, "--cost").Parse(CostModel.Parse);
        Func<Partitioner> partitioner;
        string partitionerName;
        PartLy.Learning.Scheduling.SchedulerCheckpoint? learnedScheduler = null;
        string strategy = settings.Partitioner;
        if (settings.Policy is not null && PartLy.Learning.Scheduling.SchedulerCheckpoint.IsSchedulerPolicy(settings.Policy))
        {
            learnedScheduler = PartLy.Learning.Scheduling.SchedulerCheckpoint.Load(settings.Policy);
            if (settings.Partitioner != "greedy" && (learnedScheduler.PartitionerPolicy is not null || settings.Partitioner != learnedScheduler.Partitioner))
                throw new InputException($"--partitioner {settings.Partitioner}: the scheduler policy {settings.Policy} was trained with the partitioner {learnedScheduler.Partitioner}, which every row then uses");
            if (learnedScheduler.Informed != informed)
                throw new InputException($"--mode {settings.Mode}: the scheduler policy {settings.Policy} was trained {(learnedScheduler.Informed ? "informed" : "reactive")}");
            if (learnedScheduler.PartitionerPolicy is null) strategy = learnedScheduler.Partitioner;
        }
        if (learnedScheduler is not null)
        {
            partitioner = learnedScheduler.CreatePartitioner;
            partitionerName = learnedScheduler.Partitioner;
        }
        else if (settings.Policy is not null)
        {
            var checkpoint = PartLy.Learning.Checkpoint.Load(settings.Policy);
            partitioner = () => checkpoint.CreatePartitioner();
            partitionerName = "learned";
        }
        else
        {
            new Named<string>(strategy, "--partitioner").Parse(Strategies.Create);
            partitioner = () => Strategies.Create(strategy);
            partitionerName = strategy;
        }
        var names = SpecList.Split(settings.Schedulers, SchedulerRules.Names, "--schedulers", "fixed,ds2");
        foreach (string name in names) new Named<string>(name, "--schedulers").Parse(n => SchedulerRules.Create(n, cost));
        var rules = names.Select(n => (Name: n, Create: (Func<IScheduler>)(() => SchedulerRules.Create(n, cost)))).ToList();
        if (learnedScheduler is not null) rules.Add(("learned", () => learnedScheduler.CreateScheduler(cost, start)));

        var spec = stream.Spec();
        // The last rate change of a profiled workload, in stream time (its batches are intervals at the base rate).
        double? lastChange = stream.Workload?.Arrivals?.Profile?.LastChange is long changeBatch ? changeBatch * (double)interval.Microseconds : null;
        var (results, oracle, runs) = ProgressDisplay.Run(settings.Quiet, rules.Count + 1, "schedule", "runs", progress =>
        {
            var oracle = Oracle.Run(spec, interval, partitioner, cost, 1, max, cancellationToken);
            progress.Advance(1);
            var list = new List<ScheduleSummary>();
            var runs = new List<(string, IReadOnlyList<BatchTiming>)>();
            foreach (var (name, create) in rules)
            {
                string? schedulerPolicy = name == "learned" ? settings.Policy : null;
                var run = settings.Actors
                    ? PartLy.Actors.Runtime.RunScheduleAsync(new PartLy.Actors.ScheduleRunSpec(new PartLy.Learning.Rl.StreamFeedSpec(spec, interval, start, Loop: false),
                        strategy, learnedScheduler is null || learnedScheduler.PartitionerPolicy is not null ? settings.Policy : null,
                        new PartLy.Actors.SchedulerSettings(name, cost, interval.Microseconds, start, max, 1, settings.MigrationCost, settings.Lag, schedulerPolicy), informed),
                        settings.Configuration, cancellationToken).GetAwaiter().GetResult()
                    : SchedulingRun.Run(spec, interval, partitioner(), create(), cost, start, max,
                        cancel: cancellationToken, migrationCost: settings.MigrationCost, lag: settings.Lag, informed: informed);
                runs.Add((name, run));
                list.Add(ScheduleSummary.Of(name, partitionerName, run, interval.Microseconds, oracle, team, start, lastChange));
                progress.Advance(1);
            }
            return (list, oracle, runs);
        });
        double baseLoad = BaseLoad(spec, interval, partitioner, cost, start);
        var (dp, dpRescales) = ClairvoyantBound.Solve(oracle, settings.RescaleCost);
        var bounds = new ScheduleBounds(oracle.ResourceSeconds(interval.Microseconds), oracle.Partitions.Average(), oracle.Infeasible,
            dp.Sum(p => (double)p) * interval.Microseconds / 1e6, dp.Average(), dpRescales, settings.RescaleCost);
        Write(results, bounds, interval, baseLoad);
        if (lastChange is double change && oracle.Partitions.Count * (double)interval.Microseconds <= change)
            Console.Error.WriteLine($"warning: the stream ended after {oracle.Partitions.Count} batches, before the rate profile's last change (batch {change / interval.Microseconds:F0}): give more --tuples to see the whole profile");
        var document = new ScheduleDocument(spec is WorkloadStream w ? w.Workload : $"trace:{Path.GetFileName(((TraceStream)spec).Path)}", interval.ToString(), start, max, stream.Seed, baseLoad, results, bounds);
        if (settings.Json is not null) TypedFiles.WriteJson(settings.Json, document);
        if (settings.Csv is not null) TypedFiles.WriteCsv(settings.Csv, results);
        if (settings.Batches is not null) TypedFiles.WriteCsv(settings.Batches, runs.SelectMany(r => ScheduledBatch.Of(r.Item1, r.Item2, oracle)));
        if (settings.Png is not null) ScheduleChart.WritePng(runs, oracle.Partitions, interval.Microseconds, $"{document.Workload}, batches of {interval}, {partitionerName}", settings.Png);
        var written = new[] { settings.Json, settings.Csv, settings.Batches, settings.Png }.OfType<string>().ToList();
        if (written.Count > 0) AnsiConsole.MarkupLine($"wrote {Markup.Escape(string.Join(", ", written))}");
        return 0;
    }

    /// <summary>T / I over batches 1-10 at the starting parallelism (the first has no size to expect yet).</summary>
    private static double BaseLoad(StreamSpec spec, BatchPolicy.ByInterval interval, Func<Partitioner> partitioner, CostModel cost, int start)
    {
        var run = SchedulingRun.Run(spec, interval, partitioner(), new FixedScheduler(), cost, start, start, maxBatches: 11);
        return run.Skip(run.Count > 1 ? 1 : 0).Average(t => t.ProcessingTime) / interval.Microseconds;
    }

    private static void Write(IReadOnlyList<ScheduleSummary> results, ScheduleBounds bounds, BatchPolicy.ByInterval interval, double baseLoad)
    {
        var inv = CultureInfo.InvariantCulture;
        static string Ms(double microseconds) => (microseconds / 1000).ToString("F2", CultureInfo.InvariantCulture);
        // (header, cell of a rule, cell of the oracle, kept in a narrow terminal); the JSON and CSV hold every figure.
        var columns = new (string Header, Func<ScheduleSummary, string> Cell, string Oracle, bool Compact)[]
        {
            ("scheduler", r => Markup.Escape(r.Scheduler), "oracle", true),
            ("late", r => r.LateBatches.ToString(inv), "–", true),
            ("late %", r => (100 * r.LateShare).ToString("F1", inv), "–", false),
            ("over I", r => r.OverIntervalBatches.ToString(inv), "–", true),
            ("recovery|recov", r => r.RecoveryBatches?.ToString(inv) ?? "–", "–", true),
            ("rescales|resc", r => r.Rescales.ToString(inv), "–", true),
            ("settle", r => r.SettlingRescales?.ToString(inv) ?? "–", "–", false),
            ("moved/rescale", r => r.MigratedSharePerRescale is double m ? $"{m.ToString("F2", inv)} ({r.MigrationFloorPerRescale!.Value.ToString("F2", inv)})" : "–", "–", false),
            ("mean P", r => r.MeanPartitions.ToString("F1", inv), bounds.OracleMeanPartitions.ToString("F1", inv), true),
            ("over-prov|over-P", r => (100 * r.OverProvisioning).ToString("F0", inv) + "%", "0%", true),
            ("resource s", r => r.ResourceSeconds.ToString("G4", inv), bounds.OracleResourceSeconds.ToString("G4", inv), false),
            ("latency mean", r => Ms(r.LatencyMean), "–", false),
            ("p95|p95 ms", r => Ms(r.LatencyP95), "–", true),
            ("max", r => Ms(r.LatencyMax), "–", false),
            ("team cost|team", r => r.TeamCost.ToString("F3", inv), "–", true),
        };
        bool compact = AnsiConsole.Profile.Width < 160;
        var shown = columns.Where(c => c.Compact || !compact).ToList();
        var table = new Table().Border(TableBorder.Simple);
        foreach (var column in shown)
        {
            // "full|short": the short header in a narrow terminal.
            string[] headers = column.Header.Split('|');
            string header = compact && headers.Length > 1 ? headers[1] : headers[0];
            table.AddColumn(new TableColumn(header) { Alignment = column.Header == "scheduler" ? Justify.Left : Justify.Right, NoWrap = true });
        }
        foreach (var r in results) table.AddRow(shown.Select(c => c.Cell(r)).ToArray());
        table.AddRow(shown.Select(c => c.Oracle).ToArray());
        table.AddRow(shown.Select(c => c.Header switch
        {
            "scheduler" => "dp bound",
            "mean P" => bounds.DpMeanPartitions.ToString("F1", inv),
            "rescales|resc" => bounds.DpRescales.ToString(inv),
            "resource s" => bounds.DpResourceSeconds.ToString("G4", inv),
            "over-prov|over-P" => (100 * (bounds.DpMeanPartitions / bounds.OracleMeanPartitions - 1)).ToString("F0", inv) + "%",
            _ => "–",
        }).ToArray());
        AnsiConsole.Write(table);
        if (compact) AnsiConsole.MarkupLine("[grey]A compact table for a terminal under 160 columns: every column is in --json and --csv.[/]");
        AnsiConsole.MarkupLine(Markup.Escape($"interval {interval}; base load (T / I of the first batches at the starting P) {baseLoad.ToString("F2", inv)}; latency (p95) in ms; a batch is late when its latency exceeds the interval; resource s = Σ P × I; settle = rescales after the last rate change until P holds 20 batches with none late; team cost = per-batch mean of late + overrun beyond I + 0.1·P/P₀ + 0.1·rescaled (--team-weights); moved/rescale = share of tuples whose key's state moved (the floor |ΔP| / max(P, P′)); over-prov = Σ P / Σ P* − 1 against the informed per-batch oracle (smallest P with T ≤ I; {bounds.OracleInfeasibleBatches} batches on time at no P up to the maximum); dp bound = fewest resources with no late batch over the whole run, a rescale charged {bounds.RescaleCost.ToString(inv)} block-intervals."));

    }
}
