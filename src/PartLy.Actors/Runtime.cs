using Akka.Actor;
using Akka.Configuration;
using PartLy.Core.Metrics;
using PartLy.Core.Streams;
using PartLy.Learning.Scenarios;
using PartLy.Learning.Training;
using Serilog;

namespace PartLy.Actors;

/// <summary>The stream every command reads unless flags say otherwise (HOCON <c>partly.stream</c>).</summary>
public sealed record StreamDefaults(string Workload, int Partitions, string Batch, long Tuples, ulong Seed);

/// <summary>What <c>partly train</c> does unless flags say otherwise (HOCON <c>partly.train</c>).</summary>
public sealed record TrainDefaults(string Scenario, string Mode, int Batches, int TestBatches, IReadOnlyList<double> Skews,
    IReadOnlyList<int> Partitions, int Keys, int Segment, double Slack);

/// <summary>The settings the runtime reads from HOCON (hocon/partly.conf, then a user file, then flags).</summary>
public sealed record RuntimeConfig(LearnerOptions Learner, CostWeights Reward, CostModel Cost, int Window, double TuplesPerSecond, Config Hocon,
    StreamDefaults Stream, TrainDefaults Train)
{
    public const string DefaultFile = "partly.conf";

    /// <summary>Loads hocon/partly.conf from beside the program, with <paramref name="userFile"/> layered on top.</summary>
    public static RuntimeConfig Load(string? userFile = null)
    {
        string builtIn = Path.Combine(AppContext.BaseDirectory, "hocon", DefaultFile);
        if (!File.Exists(builtIn)) throw new InputException($"{builtIn}: the default configuration is missing from the installation");
        var config = ParseFile(builtIn);
        if (userFile is not null)
        {
            if (!File.Exists(userFile)) throw new InputException($"--config {userFile}: file not found");
            config = ParseFile(userFile).WithFallback(config);
        }
        return FromConfig(config);
    }

    private static Config ParseFile(string path)
    {
        try { return ConfigurationFactory.ParseString(File.ReadAllText(path)); }
        catch (Exception e) when (e is not InputException) { throw new InputException($"{path}: not valid HOCON: {e.Message}"); }
    }

    public static RuntimeConfig FromConfig(Config config)
    {
        var p = config.GetConfig("partly") ?? throw new InputException("configuration has no 'partly' section");
        try
        {
            var learner = new LearnerOptions(
                Algorithm: p.GetString("learner.algorithm", "ppo"),
                LearningRate: p.GetDouble("learner.learning-rate", 3e-4),
                EpisodesPerUpdate: p.GetInt("learner.episodes-per-update", 32),
                Hidden: p.GetInt("learner.hidden", 16));
            var reward = new CostWeights(p.GetDouble("reward.imbalance", 1), p.GetDouble("reward.replication", 1),
                p.GetDouble("reward.cardinality", 0), p.GetDouble("reward.migration", 0));
            var cost = new CostModel(p.GetDouble("cost.a", 1), p.GetDouble("cost.b", 2), p.GetDouble("cost.c", 5), p.GetDouble("cost.d", 10));
            int window = p.GetInt("runtime.in-flight-batches", 2);
            if (window < 1) throw new InputException($"partly.runtime.in-flight-batches must be at least 1, got {window}");
            var stream = new StreamDefaults(
                Workload: p.GetString("stream.workload", "zipf:z=1.5,keys=10000"),
                Partitions: AtLeast(p.GetInt("stream.partitions", 50), 1, "partly.stream.partitions"),
                Batch: p.GetString("stream.batch", "1000"),
                Tuples: AtLeast(p.GetLong("stream.tuples", 1_000_000), 1, "partly.stream.tuples"),
                Seed: (ulong)AtLeast(p.GetLong("stream.seed", 42), 0, "partly.stream.seed"));
            BatchPolicy.Parse(stream.Batch, "partly.stream.batch");
            var train = new TrainDefaults(
                Scenario: p.GetString("train.scenario", "partitioner"),
                Mode: p.GetString("train.mode", "online"),
                Batches: AtLeast(p.GetInt("train.batches", 20_000), 1, "partly.train.batches"),
                TestBatches: AtLeast(p.GetInt("train.test-batches", 1_000), 1, "partly.train.test-batches"),
                Skews: p.HasPath("train.skews") ? p.GetDoubleList("train.skews").ToArray() : [0.8, 1.0, 1.5, 2.0],
                Partitions: p.HasPath("train.partitions") ? p.GetIntList("train.partitions").ToArray() : [10, 50],
                Keys: AtLeast(p.GetInt("train.keys", 10_000), 1, "partly.train.keys"),
                Segment: AtLeast(p.GetInt("train.segment", 100), 1, "partly.train.segment"),
                Slack: p.GetDouble("train.slack", 0));
            if (!PartLy.Core.Partitioning.BlockCapacity.IsValidSlack(train.Slack)) throw new InputException($"partly.train.slack must be at least 0 and below 1, got {train.Slack.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
            if (train.Skews.Count == 0) throw new InputException("partly.train.skews: empty list");
            if (train.Partitions.Count == 0 || train.Partitions.Any(x => x < 1)) throw new InputException("partly.train.partitions: a list of P values, each at least 1");
            return new RuntimeConfig(learner, reward, cost, window, p.GetDouble("runtime.source-tuples-per-second", 0), config, stream, train);
        }
        catch (Exception e) when (e is FormatException or ConfigurationException or InvalidCastException or OverflowException)
        {
            throw new InputException($"configuration: {e.Message}");
        }
    }

    private static T AtLeast<T>(T value, T minimum, string key) where T : System.Numerics.INumber<T> =>
        value >= minimum ? value : throw new InputException($"{key} must be at least {minimum}, got {value}");
}

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

    public static async Task<ExperimentCompleted> RunAsync(ExperimentSpec spec, RuntimeConfig config, Action<string, BatchCompleted>? observer,
        CancellationToken cancel, bool logInformation = false)
    {
        var hocon = logInformation ? ConfigurationFactory.ParseString("akka.loglevel = INFO").WithFallback(config.Hocon) : config.Hocon;
        using var system = ActorSystem.Create("partly", hocon);
        try
        {
            var experiment = system.ActorOf(ExperimentActor.Props(spec, observer), "experiment");
            var run = experiment.Ask<object>(RunExperiment.Instance, Timeout.InfiniteTimeSpan);
            using (cancel.Register(() => experiment.Tell(StopExperiment.Instance, ActorRefs.NoSender)))
            {
                object reply = await run.ConfigureAwait(false);
                if (reply is ExperimentFailed failed) throw new InputException(failed.Reason);
                if (cancel.IsCancellationRequested && reply is ExperimentCompleted partial && !partial.Stopped)
                    return partial with { Stopped = true };
                return (ExperimentCompleted)reply;
            }
        }
        finally
        {
            await system.Terminate().ConfigureAwait(false);
        }
    }
}
