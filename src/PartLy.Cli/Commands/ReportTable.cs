using System.Globalization;
using PartLy.Core.Bench;
using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;
using Spectre.Console;

namespace PartLy.Cli.Commands;

/// <summary>Prints a bench report as an aligned table, one row per strategy plus the bounds row.</summary>
public static class ReportTable
{
    public static void Write(BenchReport report)
    {
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(report.Workload)}[/]  P={report.Partitions}  batch={Markup.Escape(report.Batch)}  " +
                               $"tuples={report.Tuples:N0}  batches={report.Batches:N0}  seed={report.Seed}");
        var table = new Table().Border(TableBorder.Simple);
        table.AddColumn("strategy");
        table.AddColumn("mode");
        foreach (string column in new[] { "λ mean", "λ p95", "λ max", "repl", "w-repl", "card λ", "extra frag", "migr", "time", "cost", "stream λ", "stream repl", "Mtuples/s" })
            table.AddColumn(new TableColumn(column).RightAligned());
        foreach (var r in report.Results)
            table.AddRow(Markup.Escape(r.Strategy), r.Mode == InformationMode.Online ? "online" : "buffered",
                F(r.SizeImbalance.Mean), F(r.SizeImbalance.P95), F(r.SizeImbalance.Max),
                F(r.Replication.Mean), F(r.WeightedReplication.Mean), F(r.CardinalityImbalance.Mean),
                F(r.ExtraFragments.Mean, "F1"), F(r.Migration.Mean), F(r.ProcessingTime.Mean, "F0"), F(r.Cost.Mean),
                F(r.StreamImbalance), F(r.StreamReplication), F(r.TuplesPerSecond / 1e6, "F1"));
        var b = report.Bounds;
        table.AddRow("[italic]bounds[/]", "", F(b.NoSplitFloor.Mean), F(b.NoSplitFloor.P95), F(b.NoSplitFloor.Max),
            F(b.ReplicationFloor.Mean), F(b.WeightedReplicationFloor.Mean), "", "", "", "", "", "", "", "");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[grey]λ = max block / mean block − 1 per batch; repl = fragments per key (w-repl: tuple-weighted); migr = share of tuples " +
                               $"whose block did not hold their key last batch; time = cost model; cost = weighted full cost ({Markup.Escape(Describe(report.Weights))}); bounds: λ = no-split floor, repl = fragment floor.[/]");
    }

    private static string Describe(CostWeights w) =>
        string.Create(CultureInfo.InvariantCulture, $"{w.Imbalance}·λ + {w.Replication}·(repl − 1) + {w.Cardinality}·card λ + {w.Migration}·migr");

    private static string F(double v, string format = "F3") => double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "∞";
}
