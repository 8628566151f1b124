using PartLy.Core.Bench;
using PartLy.Core.Partitioning;

namespace PartLy.Cli.Commands;

/// <summary>
/// The trade-off of a bench as a PNG: each strategy a point at (replication, size imbalance λ), per-batch means,
/// online strategies filled and buffered ones hollow, with the floors as dashed lines.
/// </summary>
public static class TradeOffChart
{
    public static void WritePng(BenchReport report, string path)
    {
        var plot = new ScottPlot.Plot();
        const double lambdaFloor = 1e-3; // λ = 0 drawn at this height on the log axis
        int index = 0;
        foreach (var r in report.Results)
        {
            double lambda = Math.Max(r.SizeImbalance.Mean, lambdaFloor);
            var marker = plot.Add.Marker(r.Replication.Mean, Math.Log10(lambda));
            marker.MarkerShape = r.Mode == InformationMode.Online ? ScottPlot.MarkerShape.FilledCircle : ScottPlot.MarkerShape.OpenCircle;
            marker.MarkerSize = r.Strategy == "learned" ? 14 : 9;
            var label = plot.Add.Text(r.Strategy, r.Replication.Mean, Math.Log10(lambda));
            label.LabelFontSize = 12;
            label.LabelOffsetX = 6;
            label.LabelOffsetY = -6 + 14 * (index++ % 3); // staggered, so that neighbours stay readable
        }
        plot.Add.VerticalLine(report.Bounds.ReplicationFloor.Mean, 1, ScottPlot.Colors.Gray, ScottPlot.LinePattern.Dashed);
        if (report.Bounds.NoSplitFloor.Mean > lambdaFloor)
            plot.Add.HorizontalLine(Math.Log10(report.Bounds.NoSplitFloor.Mean), 1, ScottPlot.Colors.Gray, ScottPlot.LinePattern.Dotted);
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        ticks.AddMajor(Math.Log10(lambdaFloor), "0");
        foreach (double v in new[] { 0.01, 0.1, 1, 10, 100 }) ticks.AddMajor(Math.Log10(v), v.ToString(System.Globalization.CultureInfo.InvariantCulture));
        plot.Axes.Left.TickGenerator = ticks;
        plot.Axes.Left.Label.Text = "size imbalance λ per batch (mean, log scale)";
        plot.Axes.Bottom.Label.Text = "replication per batch (mean; dashed: fragment floor)";
        plot.Title($"{report.Workload}, P = {report.Partitions}, batch {report.Batch} (dotted: no-split floor)");
        string temporary = path + ".tmp.png";
        plot.SavePng(temporary, 1000, 650);
        File.Move(temporary, path, overwrite: true);
    }
}
