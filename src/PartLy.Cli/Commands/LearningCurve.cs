using System.Globalization;
using System.Text;
using PartLy.Core;
using PartLy.Learning.Training;

namespace PartLy.Cli.Commands;

/// <summary>The learning curve of a training run: a PNG (reward and imbalance, smoothed, against batch) and a CSV.</summary>
public static class LearningCurve
{
    public static void WriteCsv(IReadOnlyList<EpisodeRecord> episodes, string path) =>
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
            writer.WriteLine("batch,partitions,decisions,reward,imbalance,replication");
            foreach (var e in episodes)
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{e.Episode},{e.Partitions},{e.Decisions},{e.Reward:R},{e.Imbalance:R},{e.Replication:R}"));
        });

    public static void WritePng(IReadOnlyList<EpisodeRecord> episodes, string path, string title)
    {
        int window = Math.Max(1, episodes.Count / 100);
        double[] x = new double[episodes.Count], reward = new double[episodes.Count], imbalance = new double[episodes.Count];
        double sumReward = 0, sumImbalance = 0;
        for (int i = 0; i < episodes.Count; i++)
        {
            sumReward += episodes[i].Reward;
            sumImbalance += episodes[i].Imbalance;
            if (i >= window) { sumReward -= episodes[i - window].Reward; sumImbalance -= episodes[i - window].Imbalance; }
            int n = Math.Min(i + 1, window);
            x[i] = i;
            reward[i] = sumReward / n;
            imbalance[i] = sumImbalance / n;
        }
        var plot = new ScottPlot.Plot();
        var rewardLine = plot.Add.ScatterLine(x, reward);
        rewardLine.LegendText = $"reward (mean of {window})";
        rewardLine.LineWidth = 2;
        var imbalanceLine = plot.Add.ScatterLine(x, imbalance);
        imbalanceLine.LegendText = $"size imbalance λ (mean of {window})";
        imbalanceLine.Axes.YAxis = plot.Axes.Right;
        plot.Axes.Right.Label.Text = "λ";
        plot.Axes.Left.Label.Text = "reward";
        plot.Axes.Bottom.Label.Text = "training batch";
        plot.Title(title);
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        string temporary = path + ".tmp.png";
        plot.SavePng(temporary, 1000, 500);
        File.Move(temporary, path, overwrite: true);
    }
}
