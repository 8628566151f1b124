using System.Globalization;
using PartLy.Core.Bench;
using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;
using Spectre.Console;

namespace PartLy.Cli.Commands;

/// <summary>Prints a bench report as an aligned table, one row per strategy plus the bounds row.</summary>
public static class ReportTable
{
    /// <summary>Terminal columns the full table needs; below it, the compact table (the full one is in the JSON and CSV).</summary>
    public const int FullWidth = 150;

    public static void Write(BenchReport report)
    {
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(report.Workload)}[/]  P={report.Partitions}  batch={Markup.Escape(report.Batch)}  " +
                               $"tuples={report.Tuples:N0}  batches={report.Batches:N0}  seed={report.Seed}");
        bool full = AnsiConsole.Profile.Width >= FullWidth;
        var columns = full
            ? new[] { "λ mean", "λ p95", "λ max", "repl", "w-repl", "card λ", "extra frag", "migr", "time", "cost", "stream λ", "stream repl", "Mtuples/s" }
            : new[] { "λ mean", "λ max", "repl", "migr", "cost", "Mtuples/s" };
        var table = new Table().Border(TableBorder.Simple);
        table.AddColumn("strategy");
        table.AddColumn(new TableColumn("mode").NoWrap());
        foreach (string column in columns) table.AddColumn(new TableColumn(column).RightAligned().NoWrap());
        foreach (var r in report.Results)
        {
            string[] cells = full
                ? [F(r.SizeImbalance.Mean), F(r.SizeImbalance.P95), F(r.SizeImbalance.Max), F(r.Replication.Mean), F(r.WeightedReplication.Mean),
                   F(r.CardinalityImbalance.Mean), F(r.ExtraFragments.Mean, "F1"), F(r.Migration.Mean), F(r.ProcessingTime.Mean, "F0"), F(r.Cost.Mean),
                   F(r.StreamImbalance), F(r.StreamReplication), F(r.TuplesPerSecond / 1e6, "F1")]
                : [F(r.SizeImbalance.Mean), F(r.SizeImbalance.Max), F(r.Replication.Mean), F(r.Migration.Mean), F(r.Cost.Mean), F(r.TuplesPerSecond / 1e6, "F1")];
            table.AddRow([Markup.Escape(r.Strategy), r.Mode == InformationMode.Online ? "online" : "buffered", .. cells]);
        }
        var b = report.Bounds;
        string[] bounds = full
            ? [F(b.NoSplitFloor.Mean), F(b.NoSplitFloor.P95), F(b.NoSplitFloor.Max), F(b.ReplicationFloor.Mean), F(b.WeightedReplicationFloor.Mean), "", "", "", "", "", "", "", ""]
            : [F(b.NoSplitFloor.Mean), F(b.NoSplitFloor.Max), F(b.ReplicationFloor.Mean), "", "", ""];
        table.AddRow(["[italic]bounds[/]", "", .. bounds]);
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[grey]λ = max block / mean block − 1 per batch; repl = fragments per key (w-repl: tuple-weighted); migr = share of tuples " +
                               $"whose block did not hold their key last batch; time = cost model; cost = weighted full cost ({Markup.Escape(Describe(report.Weights))}); bounds: λ = no-split floor, repl = fragment floor.[/]");
        if (!full) AnsiConsole.MarkupLine($"[grey]A compact table for a terminal under {FullWidth} columns: every column is in --json and --csv.[/]");
        if (report.PartialLastBatch > 0)
            AnsiConsole.MarkupLine($"[grey]The stream's last batch held {report.PartialLastBatch:N0} tuples, fewer than a batch: it is left out of the per-batch figures (the stream figures count it).[/]");
    }

    private static string Describe(CostWeights w) =>
        string.Create(CultureInfo.InvariantCulture, $"{w.Imbalance}·λ + {w.Replication}·(repl − 1) + {w.Cardinality}·card λ + {w.Migration}·migr");

    private static string F(double v, string format = "F3") => double.IsNaN(v) ? "–" : double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "∞";
}
