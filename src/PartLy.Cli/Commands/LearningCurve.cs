using System.Globalization;
using System.Text;
using PartLy.Core;
using PartLy.Learning.Training;

namespace PartLy.Cli.Commands;

/// <summary>The learning curve of a training run: a PNG (reward and imbalance, smoothed, against batch) and a CSV.</summary>
public static class LearningCurve
{
    /// <summary>One row per training batch (<see cref="EpisodeRecord"/>: episode, reward, reference_reward, imbalance, replication, decisions, partitions).</summary>
    public static void WriteCsv(IReadOnlyList<EpisodeRecord> episodes, string path) => TypedFiles.WriteCsv(path, episodes);

    /// <summary>
    /// Reward minus the online greedy's reward on the same batch (above 0: the agent beats the greedy), and λ, both
    /// as moving averages. The raw reward swings with the skew and P of the training mix; the difference does not.
    /// </summary>
    public static void WritePng(IReadOnlyList<EpisodeRecord> episodes, string path, string title)
    {
        int window = Math.Max(1, episodes.Count / 50);
        int n = episodes.Count;
        double[] x = new double[n], gain = new double[n], imbalance = new double[n];
        double sumGain = 0, sumImbalance = 0;
        for (int i = 0; i < n; i++)
        {
            sumGain += episodes[i].Reward - episodes[i].ReferenceReward;
            sumImbalance += episodes[i].Imbalance;
            if (i >= window)
            {
                sumGain -= episodes[i - window].Reward - episodes[i - window].ReferenceReward;
                sumImbalance -= episodes[i - window].Imbalance;
            }
            int count = Math.Min(i + 1, window);
            x[i] = i;
            gain[i] = sumGain / count;
            imbalance[i] = sumImbalance / count;
        }
        var plot = new ScottPlot.Plot();
        plot.Add.HorizontalLine(0, 1, ScottPlot.Colors.Gray, ScottPlot.LinePattern.Dashed);
        var gainLine = plot.Add.ScatterLine(x, gain);
        gainLine.LegendText = $"reward − greedy's reward on the same batch (mean of {window})";
        gainLine.LineWidth = 2;
        var imbalanceLine = plot.Add.ScatterLine(x, imbalance);
        imbalanceLine.LegendText = $"size imbalance λ (mean of {window})";
        imbalanceLine.Axes.YAxis = plot.Axes.Right;
        plot.Axes.Right.Label.Text = "λ";
        plot.Axes.Left.Label.Text = "reward advantage over online greedy";
        plot.Axes.Bottom.Label.Text = "training batch";
        plot.Title(title);
        plot.ShowLegend(ScottPlot.Alignment.LowerRight);
        string temporary = path + ".tmp.png";
        plot.SavePng(temporary, 1000, 500);
        File.Move(temporary, path, overwrite: true);
    }
}
