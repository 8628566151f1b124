using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace PartLy.Cli.Commands;

/// <summary>Where long work reports how far it got.</summary>
public sealed class ProgressSink(ProgressTask? task, string label, string unit)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _done;
    private long _lastShown = -1000;
    private string _detail = "";

    public void Advance(long amount)
    {
        _done += amount;
        if (task is null) return;
        task.Increment(amount);
        if (_clock.ElapsedMilliseconds - _lastShown < 200) return;
        _lastShown = _clock.ElapsedMilliseconds;
        double rate = _done / Math.Max(_clock.Elapsed.TotalSeconds, 1e-9);
        string rateText = rate >= 1e6 ? $"{rate / 1e6:F2}M" : rate >= 1e3 ? $"{rate / 1e3:F1}k" : rate.ToString("F0", CultureInfo.InvariantCulture);
        task.Description = Markup.Escape($"{label} {rateText} {unit}/s {_detail}");
    }

    /// <summary>Extra text shown beside the rate (current reward, imbalance, ...).</summary>
    public void Detail(string text) => _detail = text;
}

/// <summary>A progress bar with rate, elapsed time and time left; silent when asked or when output is not a terminal.</summary>
public static class ProgressDisplay
{
    public static T Run<T>(bool quiet, long? total, string label, string unit, Func<ProgressSink, T> work)
    {
        if (quiet || !AnsiConsole.Profile.Capabilities.Interactive) return work(new ProgressSink(null, label, unit));
        return AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(label, maxValue: total ?? 1);
                task.IsIndeterminate = total is null;
                var result = work(new ProgressSink(task, label, unit));
                task.Value = task.MaxValue;
                return result;
            });
    }
}
