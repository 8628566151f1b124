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
        // Every strategy its own colour and shape, named in the legend beside the plot (labels on the points collide).
        var palette = new ScottPlot.Palettes.Category10();
        ScottPlot.MarkerShape[] online = [ScottPlot.MarkerShape.FilledCircle, ScottPlot.MarkerShape.FilledSquare, ScottPlot.MarkerShape.FilledTriangleUp, ScottPlot.MarkerShape.FilledDiamond];
        ScottPlot.MarkerShape[] buffered = [ScottPlot.MarkerShape.OpenCircle, ScottPlot.MarkerShape.OpenSquare, ScottPlot.MarkerShape.OpenTriangleUp, ScottPlot.MarkerShape.OpenDiamond];
        double maxLambda = lambdaFloor;
        for (int index = 0; index < report.Results.Count; index++)
        {
            var r = report.Results[index];
            double lambda = Math.Max(r.SizeImbalance.Mean, lambdaFloor);
            maxLambda = Math.Max(maxLambda, lambda);
            var marker = plot.Add.Marker(r.Replication.Mean, Math.Log10(lambda));
            var shapes = r.Mode == InformationMode.Online ? online : buffered;
            marker.MarkerShape = shapes[index / 10 % shapes.Length];
            marker.Color = palette.GetColor(index % 10);
            marker.MarkerSize = r.Strategy == "learned" ? 16 : 10;
            marker.LegendText = $"{r.Strategy} ({r.Mode.ToString().ToLowerInvariant()})";
        }
        plot.Add.VerticalLine(report.Bounds.ReplicationFloor.Mean, 1, ScottPlot.Colors.Gray, ScottPlot.LinePattern.Dashed);
        if (report.Bounds.NoSplitFloor.Mean > lambdaFloor)
            plot.Add.HorizontalLine(Math.Log10(report.Bounds.NoSplitFloor.Mean), 1, ScottPlot.Colors.Gray, ScottPlot.LinePattern.Dotted);
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        ticks.AddMajor(Math.Log10(lambdaFloor), "0");
        for (double v = 0.01; v <= 10 * maxLambda; v *= 10) ticks.AddMajor(Math.Log10(v), v.ToString(System.Globalization.CultureInfo.InvariantCulture));
        plot.Axes.Left.TickGenerator = ticks;
        plot.Axes.Left.Label.Text = "size imbalance λ per batch (mean, log scale)";
        plot.Axes.Bottom.Label.Text = "replication per batch (mean; dashed: fragment floor)";
        plot.Title($"{report.Workload}, P = {report.Partitions}, batch {report.Batch} (dotted: no-split floor)");
        plot.ShowLegend(ScottPlot.Edge.Right);
        plot.Axes.Margins(0.08, 0.08);
        PngFile.Save(plot, path, 1300, 700);
    }
}
