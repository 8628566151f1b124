using PartLy.Core;
using PartLy.Learning.Training;

namespace PartLy.Cli.Commands;

/// <summary>The learning curve of a training run: a PNG (what learning adds, per training cell, and λ) and a CSV.</summary>
public static class LearningCurve
{
    /// <summary>One row per training batch (<see cref="EpisodeRecord"/>: episode, reward, reference_reward, imbalance, replication, decisions, partitions, cell).</summary>
    public static void WriteCsv(IReadOnlyList<EpisodeRecord> episodes, string path) => TypedFiles.WriteCsv(path, episodes);

    /// <summary>
    /// The reward minus that of the policy's own rules with the first candidate (the strategy reserving) on the same
    /// batch: above 0, the learned choice adds to the rules. Smoothed within each training cell (workload and P), one
    /// line per cell, so that the mix switching between skews and P values is not read as learning; λ on the right.
    /// </summary>
    public static void WritePng(IReadOnlyList<EpisodeRecord> episodes, string path, string title)
    {
        var plot = new ScottPlot.Plot();
        plot.Add.HorizontalLine(0, 1, ScottPlot.Colors.Gray, ScottPlot.LinePattern.Dashed);
        var cells = episodes.Select(e => e.Cell).Distinct().OrderBy(c => c, StringComparer.Ordinal).ToList();
        var palette = new ScottPlot.Palettes.Category10();
        for (int c = 0; c < cells.Count; c++)
        {
            var mine = episodes.Where(e => e.Cell == cells[c]).ToList();
            var (x, y) = Smoothed(mine, e => e.Reward - e.ReferenceReward, Math.Max(20, mine.Count / 20));
            // The mix visits a cell in stretches: one line per stretch, smoothed over the cell's own batches.
            for (int start = 0; start < x.Length;)
            {
                int end = start + 1;
                while (end < x.Length && x[end] == x[end - 1] + 1) end++;
                var line = plot.Add.ScatterLine(x[start..end], y[start..end]);
                line.Color = palette.GetColor(c);
                line.LineWidth = 2;
                if (start == 0) line.LegendText = cells.Count == 1 && cells[0].Length == 0 ? "reward − its rules' reward" : cells[c];
                start = end;
            }
        }
        var (lx, ly) = Smoothed(episodes, e => e.Imbalance, Math.Max(1, episodes.Count / 50));
        var lambda = plot.Add.ScatterLine(lx, ly);
        lambda.Color = ScottPlot.Colors.Black.WithAlpha(0.5);
        lambda.LinePattern = ScottPlot.LinePattern.Dotted;
        lambda.LegendText = "size imbalance λ (right axis)";
        lambda.Axes.YAxis = plot.Axes.Right;
        double maxLambda = ly.Length == 0 ? 0 : ly.Max();
        plot.Axes.SetLimitsY(0, Math.Max(0.05, 1.25 * maxLambda), plot.Axes.Right);
        plot.Axes.Right.Label.Text = "λ (mean of each window)";
        plot.Axes.Left.Label.Text = "reward − the rules' reward on the same batch";
        plot.Axes.Bottom.Label.Text = "training batch";
        plot.Title(title);
        plot.ShowLegend(ScottPlot.Alignment.LowerRight);
        PngFile.Save(plot, path, 1100, 550);
    }

    /// <summary>A trailing moving average over <paramref name="window"/> episodes.</summary>
    private static (double[] X, double[] Y) Smoothed(IReadOnlyList<EpisodeRecord> episodes, Func<EpisodeRecord, double> value, int window)
    {
        int n = episodes.Count;
        double[] x = new double[n], y = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            sum += value(episodes[i]);
            if (i >= window) sum -= value(episodes[i - window]);
            x[i] = episodes[i].Episode;
            y[i] = sum / Math.Min(i + 1, window);
        }
        return (x, y);
    }
}
