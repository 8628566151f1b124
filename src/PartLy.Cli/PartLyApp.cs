using PartLy.Core;
using PartLy.Cli.Commands;
using PartLy.Core.Streams;
using Spectre.Console;
using Spectre.Console.Cli;

namespace PartLy.Cli;

/// <summary>The <c>partly</c> command line: its commands, and one place where bad input becomes a message and exit code 2.</summary>
public static class PartLyApp
{
    public const int InputError = 2, InternalError = 1, Interrupted = 130;

    public static int Run(string[] args)
    {
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 200;
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("partly");
            config.SetApplicationVersion(typeof(PartLyApp).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");
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
            config.AddCommand<ScheduleCommand>("schedule")
                .WithDescription("Run scheduling rules side by side on one time-batched workload or trace: each picks every batch's parallelism.")
                .WithExample("schedule", "--workload", "zipf:z=1,keys=10000,rate=1000000,spike=2.6@40+20", "--batch", "1ms", "--partitions", "4", "--tuples", "200000");
            config.AddCommand<NodeCommand>("node")
                .WithDescription("Start one node of a multi-node run on 127.0.0.1; it prints its address when ready and exits when its standard input closes.")
                .WithExample("node", "--roles", "worker", "--seed", "akka.tcp://partly@127.0.0.1:4053");
            config.AddCommand<StrategiesCommand>("strategies").WithDescription("List the partitioning strategies and their parameters.");
        });
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            if (!cancel.IsCancellationRequested)
            {
                Console.Error.WriteLine("stopping (Ctrl+C again to abort)...");
                cancel.Cancel();
                return;
            }
            Abort();
        };
        Console.CancelKeyPress += onCancel;
        // SIGTERM (docker stop, systemd, a cluster scheduler) stops as cleanly as a first Ctrl+C.
        using var onTerminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            if (!cancel.IsCancellationRequested) { Console.Error.WriteLine("terminating: stopping cleanly..."); cancel.Cancel(); }
        });
        bool verbose = args.Contains("--verbose");
        try
        {
            return app.Run(args, cancel.Token);
        }
        catch (Exception e) when (Unwrap(e) is CommandAppException)
        {
            Console.Error.WriteLine($"error: {FlagErrors.Explain(Unwrap(e).Message, args, [typeof(TrainSettings), typeof(BenchSettings)])}");
            if (verbose) Console.Error.WriteLine(e);
            return InputError;
        }
        catch (Exception e) when (Unwrap(e) is InputException)
        {
            Console.Error.WriteLine($"error: {Unwrap(e).Message}");
            if (verbose) Console.Error.WriteLine(e);
            return InputError;
        }
        catch (Exception e) when (Unwrap(e) is OperationCanceledException)
        {
            Console.Error.WriteLine("cancelled");
            return Interrupted;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"error: internal error: {Unwrap(e).Message}" + (verbose ? "" : " (run with --verbose for the stack trace)"));
            if (verbose) Console.Error.WriteLine(e);
            return InternalError;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
            Serilog.Log.CloseAndFlush();
        }
    }

    private static Exception Unwrap(Exception e) => e is AggregateException { InnerExceptions.Count: 1 } a ? Unwrap(a.InnerException!) : e;

    /// <summary>A second Ctrl+C: exits at once, unless a file is being written; then as soon as that write is done.</summary>
    private static void Abort()
    {
        if (AtomicFile.InProgress) Console.Error.WriteLine("aborting after the write in progress...");
        new Thread(() =>
        {
            while (AtomicFile.InProgress) Thread.Sleep(10);
            Console.Error.WriteLine("aborted");
            Environment.Exit(Interrupted);
        }) { IsBackground = true }.Start();
    }
}
