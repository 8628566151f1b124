using PartLy.Core;
using PartLy.Cli.Commands;
using PartLy.Core.Streams;
using Spectre.Console;
using Spectre.Console.Cli;

namespace PartLy.Cli;

/// <summary>The <c>partly</c> command line: its commands, and one place where bad input becomes a message and exit code 2.</summary>
public static class PartLyApp
{
    public const int InputError = 2;

    public static int Run(string[] args)
    {
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 200;
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("partly");
            config.PropagateExceptions();
            config.UseStrictParsing();
            config.AddCommand<BenchCommand>("bench")
                .WithDescription("Run partitioning strategies side by side on one workload or trace and report the field's metrics.")
                .WithExample("bench", "--workload", "zipf:z=1.5,keys=10000", "--partitions", "50", "--batch", "1000")
                .WithExample("bench", "--trace", "words.txt.gz", "--format", "words", "--strategies", "hash,pkg,d-choices,greedy");
            config.AddCommand<TrainCommand>("train")
                .WithDescription("Train a learned partitioner (20,000 batches), then test it beside every baseline.")
                .WithExample("train", "--batches", "2000", "--test-batches", "200");
            config.AddCommand<EvaluateCommand>("evaluate")
                .WithDescription("Run a trained policy on any workload or trace beside the baselines (--strategies to choose them).")
                .WithExample("evaluate", "--policy", "runs/partitioner-online-seed42/policy.json", "--workload", "zipf:z=2.0,keys=10000", "--partitions", "10");
            config.AddCommand<StrategiesCommand>("strategies").WithDescription("List the partitioning strategies and their parameters.");
        });
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            if (cancel.IsCancellationRequested) return;
            e.Cancel = true;
            Console.Error.WriteLine("stopping (Ctrl+C again to abort)...");
            cancel.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            return app.Run(args, cancel.Token);
        }
        catch (InputException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return InputError;
        }
        catch (CommandAppException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return InputError;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("cancelled");
            return 130;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
            Serilog.Log.CloseAndFlush();
        }
    }
}
