using System.Threading.Channels;
using Akka.Actor;
using Akka.Configuration;
using PartLy.Actors.Configuration;
using PartLy.Core;
using Serilog;

namespace PartLy.Actors;

/// <summary>Starts an embedded single-node ActorSystem, runs one experiment on it, and shuts it down.</summary>
public static class Runtime
{
    /// <summary>Configures Serilog: warnings and errors to standard error (quiet under a progress bar), all to a file if asked.</summary>
    public static void ConfigureLogging(string? logFile, bool verbose)
    {
        var info = Serilog.Events.LogEventLevel.Information;
        var logger = new LoggerConfiguration()
            .MinimumLevel.Is(verbose || logFile is not null ? info : Serilog.Events.LogEventLevel.Warning)
            .WriteTo.Console(verbose ? info : Serilog.Events.LogEventLevel.Warning, standardErrorFromLevel: Serilog.Events.LogEventLevel.Verbose);
        if (logFile is not null) logger = logger.WriteTo.File(logFile, info);
        Log.Logger = logger.CreateLogger();
    }

    /// <summary>
    /// Runs the experiment; every completed batch reaches <paramref name="onProgress"/> on the caller's side, read
    /// from a channel that a subscriber actor feeds. Cancelling stops the experiment, which replies with what it has.
    /// </summary>
    /// <param name="onWeights">Each publication of the learner's weights during training (for checkpoints).</param>
    /// <param name="cluster">With worker nodes: this process becomes the driver of an Akka.Cluster on 127.0.0.1, starts
    /// that many worker node processes (the command runs the partly program) and sends them the blocks.</param>
    /// <param name="onCluster">With worker nodes: what the run cost across the nodes, told once the experiment is over.</param>
    public static async Task<ExperimentCompleted> RunAsync(ExperimentSpec spec, RuntimeConfig config, Action<ExperimentProgress>? onProgress,
        CancellationToken cancel, bool logInformation = false, Action<ExperimentWeights>? onWeights = null, (int Workers, string[] NodeCommand)? cluster = null,
        Action<ClusterFigures>? onCluster = null)
    {
        var driverCpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        var hocon = cluster is null ? config.Hocon : ClusterNodes.NodeConfig(config.Hocon, ["driver"]);
        if (logInformation) hocon = ConfigurationFactory.ParseString("akka.loglevel = INFO").WithFallback(hocon);
        using var system = ActorSystem.Create("partly", hocon);
        var progress = Channel.CreateUnbounded<IPartLyMessage>(new UnboundedChannelOptions { SingleReader = true });
        ClusterNodes.Workers? workers = null;
        try
        {
            if (cluster is { } c)
            {
                workers = await ClusterNodes.Workers.StartAsync(system, c.Workers, c.NodeCommand, TimeSpan.FromSeconds(60), cancel).ConfigureAwait(false);
                spec = spec with { Workers = workers.Paths };
                var killer = workers;
                system.ActorOf(Akka.Actor.Props.Create(() => new FaultInjector(killer)), "faults");
            }
            var experiment = system.ActorOf(ExperimentActor.Props(spec), "experiment");
            var relay = system.ActorOf(Akka.Actor.Props.Create(() => new ProgressRelay(progress.Writer)), "progress");
            experiment.Tell(SubscribeProgress.Instance, relay);
            var run = experiment.Ask<object>(RunExperiment.Instance, Timeout.InfiniteTimeSpan);
            using (cancel.Register(() => experiment.Tell(StopExperiment.Instance, ActorRefs.NoSender)))
            {
                var reading = Task.Run(async () =>
                {
                    await foreach (var item in progress.Reader.ReadAllAsync().ConfigureAwait(false))
                        if (item is ExperimentProgress p) onProgress?.Invoke(p);
                        else if (item is ExperimentWeights w) onWeights?.Invoke(w);
                });
                object reply = await run.ConfigureAwait(false);
                await relay.GracefulStop(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                progress.Writer.TryComplete();
                await reading.ConfigureAwait(false);
                if (reply is ExperimentFailed failed) throw new InputException(failed.Reason);
                if (workers is not null && onCluster is not null)
                {
                    var serializer = (Serialization.PartLySerializer)system.Serialization.FindSerializerForType(typeof(RunExperiment));
                    onCluster(new ClusterFigures(workers.FormationSeconds,
                        (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - driverCpu).TotalSeconds + workers.CpuSeconds(),
                        serializer.BytesWritten + serializer.BytesRead));
                }
                if (cancel.IsCancellationRequested && reply is ExperimentCompleted partial && !partial.Stopped)
                    return partial with { Stopped = true };
                return (ExperimentCompleted)reply;
            }
        }
        finally
        {
            progress.Writer.TryComplete();
            if (workers is not null) await workers.DisposeAsync().ConfigureAwait(false);
            await system.Terminate().ConfigureAwait(false);
        }
    }

    /// <summary>Runs one scheduling rule over its stream on an embedded ActorSystem: every batch's timing, in order.</summary>
    public static async Task<IReadOnlyList<Core.Scheduling.BatchTiming>> RunScheduleAsync(ScheduleRunSpec spec, RuntimeConfig config, CancellationToken cancel)
    {
        using var system = ActorSystem.Create("partly", config.Hocon);
        try
        {
            var run = system.ActorOf(ScheduleRunActor.Props(spec), "schedule");
            object reply = await run.Ask<object>(RunSchedule.Instance, Timeout.InfiniteTimeSpan, cancel).ConfigureAwait(false);
            return reply switch
            {
                ScheduleCompleted done => done.Timings,
                ScheduleFailed failed => throw new InputException(failed.Reason),
                _ => throw new InvalidOperationException($"unexpected reply {reply}"),
            };
        }
        finally
        {
            await system.Terminate().ConfigureAwait(false);
        }
    }

    /// <summary>What a multi-node run cost: forming the cluster, CPU of the driver and every node, bytes serialized and deserialized by the driver.</summary>
    public sealed record ClusterFigures(double FormationSeconds, double CpuSeconds, long DriverBytes);

    /// <summary>The driver's fault injector: kills a worker node's process when an agent asks (a local actor of the driver, never deployed elsewhere).</summary>
    private sealed class FaultInjector : ReceiveActor
    {
        public FaultInjector(ClusterNodes.Workers workers) =>
            Receive<KillWorker>(kill =>
            {
                workers.Kill(kill.Worker);
                Sender.Tell(new WorkerKilled(kill.Sequence, kill.Worker));
            });
    }

    /// <summary>The driver's subscriber: hands each progress message to a channel the caller reads (a local sink, never deployed elsewhere).</summary>
    private sealed class ProgressRelay : ReceiveActor
    {
        public ProgressRelay(ChannelWriter<IPartLyMessage> writer)
        {
            Receive<ExperimentProgress>(p => writer.TryWrite(p));
            Receive<ExperimentWeights>(w => writer.TryWrite(w));
        }
    }
}
