using System.Diagnostics;
using Spectre.Console;

namespace PartLy.Cli.Commands;

/// <summary>A progress bar with rate and time left for long runs; silent when asked or when output is not a terminal.</summary>
public static class ProgressDisplay
{
    public static T Run<T>(bool quiet, long? total, string label, Func<Action<long>, T> work)
    {
        if (quiet || !AnsiConsole.Profile.Capabilities.Interactive) return work(_ => { });
        return AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(label, maxValue: total ?? 1);
                task.IsIndeterminate = total is null;
                var clock = Stopwatch.StartNew();
                long done = 0, lastShown = 0;
                var result = work(tuples =>
                {
                    done += tuples;
                    task.Increment(tuples);
                    if (clock.ElapsedMilliseconds - lastShown > 250)
                    {
                        lastShown = clock.ElapsedMilliseconds;
                        task.Description = $"{label} {done / 1e6:F2}M tuples, {done / Math.Max(clock.Elapsed.TotalSeconds, 1e-9) / 1e6:F2}M/s";
                    }
                });
                task.Value = task.MaxValue;
                return result;
            });
    }
}
