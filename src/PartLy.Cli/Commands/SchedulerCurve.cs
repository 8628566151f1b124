using PartLy.Learning.Scheduling;

namespace PartLy.Cli.Commands;

/// <summary>The scheduler's learning curve: its team cost per episode and, on the episodes where they ran, the best rule's on the same stream.</summary>
public static class SchedulerCurve
{
    public static void WritePng(IReadOnlyList<SchedulerEpisode> episodes, string path, string title)
    {
        var plot = new ScottPlot.Plot();
        var compared = episodes.Where(e => e.BestRuleTeamCost is not null).ToList();
        int window = Math.Max(1, compared.Count / 20);
        var learned = plot.Add.ScatterLine(compared.Select(e => (double)e.Episode).ToArray(), Smoothed(compared.Select(e => e.TeamCost).ToArray(), window));
        learned.LegendText = "learned scheduler (sampling, as trained)";
        learned.LineWidth = 2;
        var rule = plot.Add.ScatterLine(compared.Select(e => (double)e.Episode).ToArray(), Smoothed(compared.Select(e => e.BestRuleTeamCost!.Value).ToArray(), window));
        rule.LegendText = "the best rule on the same stream";
        rule.LineWidth = 2;
        rule.LinePattern = ScottPlot.LinePattern.Dashed;
        plot.Axes.Left.Label.Text = "team cost per batch (moving mean)";
        plot.Axes.Bottom.Label.Text = "training episode (200 batches)";
        plot.Title(title);
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        PngFile.Save(plot, path, 1100, 550);
    }

    private static double[] Smoothed(double[] values, int window)
    {
        var smoothed = new double[values.Length];
        double sum = 0;
        for (int i = 0; i < values.Length; i++)
        {
            sum += values[i];
            if (i >= window) sum -= values[i - window];
            smoothed[i] = sum / Math.Min(i + 1, window);
        }
        return smoothed;
    }
}
