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
    [Description("A trained policy (partly train) as the partitioner, instead of --partitioner; its rows are named learned.")]
    public string? Policy { get; init; }

    [CommandOption("--cost <COEFFICIENTS>")]
    [Description("Cost model (µs): a=PER_TUPLE,b=PER_DISTINCT_KEY,c=PER_EXTRA_FRAGMENT,d=PER_PARTITION. Default partly.cost (a=1,b=2,c=5,d=10).")]
    public string? Cost { get; init; }

    [CommandOption("--migration-cost <US>")]
    [Description("µs per tuple whose key's state moves on a rescale (its block did not hold the key last batch). Default 0.")]
    public double MigrationCost { get; init; }

    [CommandOption("--lag <BATCHES>")]
    [Description("Provisioning lag: more blocks take effect this many batches after they are asked for. Default 0.")]
    public int Lag { get; init; }

    [CommandOption("--json <FILE>")]
    [Description("Write the results as JSON.")]
    public string? Json { get; init; }

    [CommandOption("--csv <FILE>")]
    [Description("Write the results as CSV.")]
    public string? Csv { get; init; }

    [CommandOption("--png <FILE>")]
    [Description("Chart P, T / I and latency / I over the batches for every scheduler (with the oracle's P).")]
    public string? Png { get; init; }

    [CommandOption("--quiet")]
    [Description("No progress bar.")]
    public bool Quiet { get; init; }
}

/// <summary>What <c>partly schedule</c> writes as JSON.</summary>
public sealed record ScheduleDocument(string Workload, string Interval, int StartPartitions, int MaxPartitions, ulong Seed, double BaseLoad, IReadOnlyList<ScheduleRow> Results, ScheduleBounds Bounds);

/// <summary>A rule's figures with its over-provisioning against the oracle (Σ P_b / Σ P*_b − 1).</summary>
public sealed record ScheduleRow(
    string Scheduler, string Partitioner, long Batches, long LateBatches, double LateShare, long OverIntervalBatches, long? RecoveryBatches,
    long Rescales, double ResourceSeconds, double MeanPartitions, double OverProvisioning, double LatencyMean, double LatencyP95, double LatencyMax,
    double? MigratedSharePerRescale, double? MigrationFloorPerRescale)
{
    public static ScheduleRow Of(ScheduleSummary s, double overProvisioning) => new(s.Scheduler, s.Partitioner, s.Batches, s.LateBatches, s.LateShare,
        s.OverIntervalBatches, s.RecoveryBatches, s.Rescales, s.ResourceSeconds, s.MeanPartitions, overProvisioning, s.LatencyMean, s.LatencyP95, s.LatencyMax,
        double.IsNaN(s.MigratedSharePerRescale) ? null : s.MigratedSharePerRescale, double.IsNaN(s.MigrationFloorPerRescale) ? null : s.MigrationFloorPerRescale);
}

/// <summary>The informed per-batch oracle: its resources, mean P, and the batches no P in range gets on time.</summary>
public sealed record ScheduleBounds(double OracleResourceSeconds, double OracleMeanPartitions, int OracleInfeasibleBatches);

/// <summary>Scheduling rules side by side on one time-batched stream: each picks every batch's parallelism.</summary>
public sealed class ScheduleCommand : Command<ScheduleSettings>
{
    public override int Execute(CommandContext context, ScheduleSettings settings, CancellationToken cancellationToken)
    {
        foreach (var (path, flag) in new[] { (settings.Json, "--json"), (settings.Csv, "--csv"), (settings.Png, "--png") })
            if (path is not null) AtomicFile.CheckWritable(path, flag);
        var stream = settings.Stream;
        if (stream.Batch is not BatchPolicy.ByInterval interval)
            throw new InputException($"--batch {stream.Batch}: scheduling needs time-based batches (an interval such as 10ms, 1s, 1h)");
        int start = stream.Partitions;
        int max = settings.MaxPartitions ?? 4 * start;
        if (max < start) throw new InputException($"--max-partitions {max} is below --partitions {start}");
        if (settings.MigrationCost < 0 || !double.IsFinite(settings.MigrationCost)) throw new InputException($"--migration-cost must be 0 or more µs, got {settings.MigrationCost}");
        if (settings.Lag < 0) throw new InputException($"--lag must be 0 or more batches, got {settings.Lag}");
        var cost = settings.Cost is null ? settings.Configuration.Cost : new Named<string>(settings.Cost, "--cost").Parse(CostModel.Parse);
        Func<Partitioner> partitioner;
        string partitionerName;
        if (settings.Policy is not null)
        {
            var checkpoint = PartLy.Learning.Checkpoint.Load(settings.Policy);
            partitioner = () => checkpoint.CreatePartitioner();
            partitionerName = "learned";
        }
        else
        {
            new Named<string>(settings.Partitioner, "--partitioner").Parse(Strategies.Create);
            partitioner = () => Strategies.Create(settings.Partitioner);
            partitionerName = settings.Partitioner;
        }
        var names = SpecList.Split(settings.Schedulers, SchedulerRules.Names, "--schedulers", "fixed,ds2");
        foreach (string name in names) new Named<string>(name, "--schedulers").Parse(n => SchedulerRules.Create(n, cost.PerPartition));

        var spec = stream.Spec();
        // The last rate change of a profiled workload, in stream time (its batches are intervals at the base rate).
        double? lastChange = stream.Workload?.Arrivals?.Profile?.LastChange is long changeBatch ? changeBatch * (double)interval.Microseconds : null;
        var (results, oracle, runs) = ProgressDisplay.Run(settings.Quiet, names.Count + 1, "schedule", "runs", progress =>
        {
            var oracle = Oracle.Run(spec, interval, partitioner, cost, 1, max, cancellationToken);
            progress.Advance(1);
            double oracleSlots = oracle.Partitions.Sum(p => (double)p);
            var list = new List<ScheduleRow>();
            var runs = new List<(string, IReadOnlyList<BatchTiming>)>();
            foreach (string name in names)
            {
                var run = SchedulingRun.Run(spec, interval, partitioner(), SchedulerRules.Create(name, cost.PerPartition), cost, start, max,
                    cancel: cancellationToken, migrationCost: settings.MigrationCost, lag: settings.Lag);
                var summary = ScheduleSummary.Of(name, partitionerName, run, interval.Microseconds, lastChange);
                runs.Add((name, run));
                list.Add(ScheduleRow.Of(summary, summary.MeanPartitions * summary.Batches / oracleSlots - 1));
                progress.Advance(1);
            }
            return (list, oracle, runs);
        });
        double baseLoad = BaseLoad(spec, interval, partitioner, cost, start);
        var bounds = new ScheduleBounds(oracle.ResourceSeconds(interval.Microseconds), oracle.Partitions.Average(), oracle.Infeasible);
        Write(results, bounds, interval, baseLoad);
        var document = new ScheduleDocument(spec is WorkloadStream w ? w.Workload : $"trace:{Path.GetFileName(((TraceStream)spec).Path)}", interval.ToString(), start, max, stream.Seed, baseLoad, results, bounds);
        if (settings.Json is not null) TypedFiles.WriteJson(settings.Json, document);
        if (settings.Csv is not null) TypedFiles.WriteCsv(settings.Csv, results);
        if (settings.Png is not null) ScheduleChart.WritePng(runs, oracle.Partitions, interval.Microseconds, $"{document.Workload}, batches of {interval}, {partitionerName}", settings.Png);
        var written = new[] { settings.Json, settings.Csv, settings.Png }.OfType<string>().ToList();
        if (written.Count > 0) AnsiConsole.MarkupLine($"wrote {Markup.Escape(string.Join(", ", written))}");
        return 0;
    }

    /// <summary>T / I over batches 1-10 at the starting parallelism (the first has no size to expect yet).</summary>
    private static double BaseLoad(StreamSpec spec, BatchPolicy.ByInterval interval, Func<Partitioner> partitioner, CostModel cost, int start)
    {
        var run = SchedulingRun.Run(spec, interval, partitioner(), new FixedScheduler(), cost, start, start, maxBatches: 11);
        return run.Skip(run.Count > 1 ? 1 : 0).Average(t => t.ProcessingTime) / interval.Microseconds;
    }

    private static void Write(IReadOnlyList<ScheduleRow> results, ScheduleBounds bounds, BatchPolicy.ByInterval interval, double baseLoad)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (string column in new[] { "scheduler", "late", "late %", "over I", "recovery", "rescales", "moved/rescale", "mean P", "over-prov", "resource s", "latency mean", "p95", "max" })
            table.AddColumn(new TableColumn(column) { Alignment = column == "scheduler" ? Justify.Left : Justify.Right, NoWrap = true });
        var inv = CultureInfo.InvariantCulture;
        foreach (var r in results)
            table.AddRow(Markup.Escape(r.Scheduler), r.LateBatches.ToString(inv), (100 * r.LateShare).ToString("F1", inv), r.OverIntervalBatches.ToString(inv), r.RecoveryBatches?.ToString(inv) ?? "–",
                r.Rescales.ToString(inv), r.MigratedSharePerRescale is double m ? $"{m.ToString("F2", inv)} ({r.MigrationFloorPerRescale!.Value.ToString("F2", inv)})" : "–", r.MeanPartitions.ToString("F1", inv), (100 * r.OverProvisioning).ToString("F0", inv) + "%", r.ResourceSeconds.ToString("G4", inv),
                Ms(r.LatencyMean), Ms(r.LatencyP95), Ms(r.LatencyMax));
        table.AddRow("oracle", "–", "–", "–", "–", "–", "–", bounds.OracleMeanPartitions.ToString("F1", inv), "0%", bounds.OracleResourceSeconds.ToString("G4", inv), "–", "–", "–");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(Markup.Escape($"interval {interval}; base load (T / I of the first batches at the starting P) {baseLoad.ToString("F2", inv)}; latency in ms; a batch is late when its latency exceeds the interval; resource s = Σ P × I; moved/rescale = share of tuples whose key's state moved (the floor |ΔP| / max(P, P′)); over-prov = Σ P / Σ P* − 1 against the informed per-batch oracle (smallest P with T ≤ I; {bounds.OracleInfeasibleBatches} batches on time at no P up to the maximum)."));

        static string Ms(double microseconds) => (microseconds / 1000).ToString("F2", CultureInfo.InvariantCulture);
    }
}
