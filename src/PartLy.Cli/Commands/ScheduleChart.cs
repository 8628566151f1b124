using PartLy.Core.Scheduling;

namespace PartLy.Cli.Commands;

/// <summary>
/// The picture of a <c>partly schedule</c> run: per scheduler over the batches, the parallelism P_b (with the
/// oracle's), the processing time T_b / I, and the latency / I (1 is the interval: above it a batch is late).
/// </summary>
public static class ScheduleChart
{
    public static void WritePng(IReadOnlyList<(string Name, IReadOnlyList<BatchTiming> Run)> runs, IReadOnlyList<int> oracle, double interval, string title, string path)
    {
        var (parallelism, time, latency) = (new ScottPlot.Plot(), new ScottPlot.Plot(), new ScottPlot.Plot());
        var palette = new ScottPlot.Palettes.Category10();
        for (int s = 0; s < runs.Count; s++)
        {
            var run = runs[s].Run;
            double[] x = run.Select(t => (double)t.Index).ToArray();
            var color = palette.GetColor(s);
            Line(parallelism, x, run.Select(t => (double)t.Partitions).ToArray(), color, runs[s].Name);
            Line(time, x, run.Select(t => t.ProcessingTime / interval).ToArray(), color, null);
            Line(latency, x, run.Select(t => t.Latency / interval).ToArray(), color, null);
        }
        var best = parallelism.Add.ScatterLine(Enumerable.Range(0, oracle.Count).Select(i => (double)i).ToArray(), oracle.Select(p => (double)p).ToArray());
        best.Color = ScottPlot.Colors.Black.WithAlpha(0.6);
        best.LinePattern = ScottPlot.LinePattern.Dotted;
        best.LegendText = "oracle";
        foreach (var plot in new[] { time, latency }) plot.Add.HorizontalLine(1, 1, ScottPlot.Colors.Gray, ScottPlot.LinePattern.Dashed);
        parallelism.Axes.Left.Label.Text = "P (blocks)";
        time.Axes.Left.Label.Text = "T / I";
        latency.Axes.Left.Label.Text = "latency / I";
        latency.Axes.Bottom.Label.Text = "batch";
        parallelism.Title(title);
        parallelism.ShowLegend(ScottPlot.Alignment.UpperRight);
        const int width = 1200, height = 300;
        var plots = new[] { parallelism, time, latency };
        using var surface = SkiaSharp.SKSurface.Create(new SkiaSharp.SKImageInfo(width, height * plots.Length));
        for (int i = 0; i < plots.Length; i++)
        {
            // Each plot renders on its own (a plot clears the canvas it draws on), then takes its strip.
            using var strip = SkiaSharp.SKBitmap.Decode(plots[i].GetImage(width, height).GetImageBytes());
            surface.Canvas.DrawBitmap(strip, 0, height * i);
        }
        using var image = surface.Snapshot();
        using var png = image.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
        string temporary = path + ".tmp.png";
        using (var file = File.Create(temporary)) png.SaveTo(file);
        File.Move(temporary, path, overwrite: true);
    }

    private static void Line(ScottPlot.Plot plot, double[] x, double[] y, ScottPlot.Color color, string? legend)
    {
        var line = plot.Add.ScatterLine(x, y);
        line.Color = color;
        line.LineWidth = 1.5f;
        if (legend is not null) line.LegendText = legend;
    }
}
