using System.Threading.Channels;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using PartLy.Actors.Configuration;
using PartLy.Core;
using Serilog;

namespace PartLy.Actors;

/// <summary>Starts an embedded single-node ActorSystem, runs one experiment on it, and shuts it down.</summary>
public static class Runtime
{
    /// <summary>Configures Serilog: warnings and errors to standard error, a line each without stack traces (quiet under a
    /// progress bar), all to a file if asked.</summary>
    public static void ConfigureLogging(string? logFile, bool verbose)
    {
        var info = Serilog.Events.LogEventLevel.Information;
        var logger = new LoggerConfiguration()
            .MinimumLevel.Is(verbose || logFile is not null ? info : Serilog.Events.LogEventLevel.Warning)
            .WriteTo.Sink(new ConsoleLogSink(verbose ? info : Serilog.Events.LogEventLevel.Warning));
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
        CancellationToken cancel, bool logInformation = false, Action<ExperimentWeights>? onWeights = null, ClusterLaunch? cluster = null,
        Action<ClusterFigures>? onCluster = null)
    {
        var driverCpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        var wall = System.Diagnostics.Stopwatch.StartNew();
        var hocon = cluster is null ? config.Hocon : ClusterNodes.NodeConfig(config.Hocon, ["driver"]);
        if (logInformation) hocon = ConfigurationFactory.ParseString("akka.loglevel = INFO").WithFallback(hocon);
        using var system = ActorSystem.Create("partly", hocon);
        var progress = Channel.CreateUnbounded<IPartLyMessage>(new UnboundedChannelOptions { SingleReader = true });
        ClusterNodes.Workers? workers = null;
        string? learnerState = null;
        try
        {
            if (cluster is { } c)
            {
                // The nodes block with the experiment's cost model (not their own configuration's), and serve them as it says.
                var nodeArguments = new List<string> { "--cost", (spec.Training.Cost ?? Core.Metrics.CostModel.Default).Format() };
                if (spec.Service is not null) nodeArguments.AddRange(["--service-time", spec.Service.Format()]);
                workers = await ClusterNodes.Workers.StartAsync(system, c.Workers, c.Learners, c.Agents, c.NodeCommand, nodeArguments, TimeSpan.FromSeconds(60), cancel).ConfigureAwait(false);
                if (c.Learners > 0)
                {
                    // The learner writes its state here after every update; the learner node that takes over reads it.
                    learnerState = Directory.CreateTempSubdirectory("partly-learner-").FullName;
                    spec = spec with { LearnerOnNodes = true, LearnerStatePath = Path.Combine(learnerState, "learner.state") };
                }
                spec = spec with { Workers = workers.Paths, AgentHosts = workers.AgentHostPaths.Count > 0 ? workers.AgentHostPaths : null };
                var killer = workers;
                system.ActorOf(Akka.Actor.Props.Create(() => new FaultInjector(killer)), "faults");
            }
            var experiment = system.ActorOf(ExperimentActor.Props(spec), "experiment");
            var relay = system.ActorOf(Akka.Actor.Props.Create(() => new ProgressRelay(progress.Writer)), "progress");
            experiment.Tell(SubscribeProgress.Instance, relay);
            var run = experiment.Ask<object>(RunExperiment.Instance, Timeout.InfiniteTimeSpan);
            using (cancel.Register(() => experiment.Tell(StopExperiment.Instance, ActorRefs.NoSender)))
            {
                var testCpu = new SteadyCpu();
                long testTuples = 0;
                double CpuNow() => System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds + workers!.CpuSeconds();
                var reading = Task.Run(async () =>
                {
                    await foreach (var item in progress.Reader.ReadAllAsync().ConfigureAwait(false))
                        if (item is ExperimentProgress p)
                        {
                            if (workers is not null && p.Phase == "test") testCpu.Observe(wall.Elapsed.TotalSeconds, CpuNow, testTuples += p.Batch.Metrics.Tuples);
                            onProgress?.Invoke(p);
                        }
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
                        serializer.BytesWritten + serializer.BytesRead, wall.Elapsed.TotalSeconds, testCpu.Steady()));
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
            if (learnerState is not null) Directory.Delete(learnerState, recursive: true);
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

    /// <summary>
    /// A multi-node run's nodes: <paramref name="Workers"/> worker nodes, <paramref name="Learners"/> learner nodes
    /// (0: the learner stays in the driver) and <paramref name="Agents"/> agent nodes (a lane of the stream each; 0: the
    /// sources, schedulers and agents stay in the driver), started with <paramref name="NodeCommand"/> (the partly program).
    /// </summary>
    public sealed record ClusterLaunch(int Workers, string[] NodeCommand, int Learners = 0, int Agents = 0);

    /// <summary>
    /// What a multi-node run cost: forming the cluster, CPU of the driver and every node, bytes serialized and
    /// deserialized by the driver, and the wall-clock time from starting the driver to the experiment's end.
    /// </summary>
    /// <param name="TestCpu">The CPU of the driver and the nodes over the test phase after its first fifth (once the
    /// processes have compiled their code), or null without a test phase long enough to tell.</param>
    public sealed record ClusterFigures(double FormationSeconds, double CpuSeconds, long DriverBytes, double WallSeconds, SteadyCpuFigures? TestCpu);

    /// <param name="Share">CPU seconds over wall-clock seconds times the machine's cores.</param>
    public sealed record SteadyCpuFigures(double Share, double SecondsPerMillionTuples);

    /// <summary>CPU seconds and tuples so far, sampled (every 50 ms at most) as test batches complete.</summary>
    private sealed class SteadyCpu
    {
        private readonly List<(double Wall, double Cpu, long Tuples)> _samples = [];

        public void Observe(double wall, Func<double> cpu, long tuples)
        {
            if (_samples.Count > 0 && wall - _samples[^1].Wall < 0.05) return;
            _samples.Add((wall, cpu(), tuples));
        }

        public SteadyCpuFigures? Steady()
        {
            if (_samples.Count < 3) return null;
            var (first, last) = (_samples[0], _samples[^1]);
            var from = _samples.Find(s => s.Wall >= first.Wall + 0.2 * (last.Wall - first.Wall));
            if (last.Wall - from.Wall <= 0 || last.Tuples == from.Tuples) return null;
            double cpu = last.Cpu - from.Cpu;
            return new SteadyCpuFigures(cpu / ((last.Wall - from.Wall) * Environment.ProcessorCount), cpu / (last.Tuples - from.Tuples) * 1e6);
        }
    }

    /// <summary>The driver's fault injector: kills a worker node's, the learner's or the agent's node process when asked (a local actor of the driver, never deployed elsewhere).</summary>
    private sealed class FaultInjector : ReceiveActor
    {
        public FaultInjector(ClusterNodes.Workers workers)
        {
            Receive<KillWorker>(kill =>
            {
                workers.Kill(kill.Worker);
                Sender.Tell(new WorkerKilled(kill.Sequence, kill.Worker));
            });
            Receive<KillLearner>(kill =>
            {
                string host = workers.KillLearnerHost(Akka.Cluster.Cluster.Get(Context.System));
                Context.GetLogger().Warning("Learner node {Address} killed before episode {Sequence}", host, kill.Sequence);
                Sender.Tell(new LearnerKilled(kill.Sequence));
            });
            Receive<KillAgent>(kill =>
            {
                string host = workers.KillAgentNode();
                Context.GetLogger().Warning("Agent node {Address} killed after batch {Sequence}", host, kill.Sequence);
            });
        }
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
