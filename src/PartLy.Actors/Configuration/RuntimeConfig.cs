using Akka.Configuration;
using PartLy.Core;
using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;
using PartLy.Core.Streams;
using PartLy.Learning.Algorithms;

namespace PartLy.Actors.Configuration;

/// <summary>The stream every command reads unless flags say otherwise (HOCON <c>partly.stream</c>).</summary>
public sealed record StreamDefaults(string Workload, int Partitions, string Batch, long Tuples, ulong Seed)
{
    public static StreamDefaults From(Section s)
    {
        var d = new StreamDefaults(s.String("workload"), s.Int("partitions"), s.String("batch"), s.Long("tuples"), (ulong)Math.Max(0, s.Long("seed")));
        if (d.Partitions < 1) throw new InputException($"configuration: {s.Path}.partitions must be at least 1, got {d.Partitions}");
        if (d.Tuples < 1) throw new InputException($"configuration: {s.Path}.tuples must be at least 1, got {d.Tuples}");
        if (s.Long("seed") < 0) throw new InputException($"configuration: {s.Path}.seed must be 0 or more");
        BatchPolicy.Parse(d.Batch, $"{s.Path}.batch");
        return d;
    }
}

/// <summary>What <c>partly train</c> does unless flags say otherwise (HOCON <c>partly.train</c>).</summary>
public sealed record TrainDefaults(string Scenario, string Mode, int Batches, int TestBatches, IReadOnlyList<double> Skews,
    IReadOnlyList<int> Partitions, int Keys, int Segment, double Slack, int CheckpointEvery)
{
    public static TrainDefaults From(Section s)
    {
        var d = new TrainDefaults(s.String("scenario"), s.String("mode"), s.Int("batches"), s.Int("test-batches"), s.DoubleList("skews"),
            s.IntList("partitions"), s.Int("keys"), s.Int("segment"), s.Double("slack"), s.Int("checkpoint-every"));
        if (d.CheckpointEvery < 0) throw new InputException($"configuration: {s.Path}.checkpoint-every must be 0 or more, got {d.CheckpointEvery}");
        foreach (var (name, value) in new[] { ("batches", d.Batches), ("test-batches", d.TestBatches), ("keys", d.Keys), ("segment", d.Segment) })
            if (value < 1) throw new InputException($"configuration: {s.Path}.{name} must be at least 1, got {value}");
        if (!BlockCapacity.IsValidSlack(d.Slack)) throw new InputException($"configuration: {s.Path}.slack must be at least 0 and below 1, got {d.Slack}");
        if (d.Skews.Count == 0) throw new InputException($"configuration: {s.Path}.skews: empty list");
        if (d.Partitions.Count == 0 || d.Partitions.Any(x => x < 1)) throw new InputException($"configuration: {s.Path}.partitions: a list of P values, each at least 1");
        return d;
    }
}

/// <summary>Flow control of the actor runtime (HOCON <c>partly.runtime</c>).</summary>
public sealed record RuntimeSettings(int Window, double TuplesPerSecond, double ReportTimeoutSeconds = 30)
{
    public static RuntimeSettings From(Section s)
    {
        var r = new RuntimeSettings(s.Int("in-flight-batches"), s.Double("source-tuples-per-second"), s.Double("report-timeout-seconds"));
        if (r.ReportTimeoutSeconds <= 0) throw new InputException($"configuration: {s.Path}.report-timeout-seconds must be above 0, got {r.ReportTimeoutSeconds}");
        if (r.Window < 1) throw new InputException($"configuration: {s.Path}.in-flight-batches must be at least 1, got {r.Window}");
        if (r.TuplesPerSecond < 0) throw new InputException($"configuration: {s.Path}.source-tuples-per-second must be 0 or more");
        return r;
    }
}

/// <summary>Learner settings (HOCON <c>partly.learner</c>), reward weights (<c>partly.reward</c>) and the cost model (<c>partly.cost</c>).</summary>
public static class LearningSettings
{
    public static LearnerOptions Learner(Section s)
    {
        var l = new LearnerOptions(Algorithm: s.String("algorithm"), LearningRate: s.Double("learning-rate"),
            EpisodesPerUpdate: s.Int("episodes-per-update"), Hidden: s.Int("hidden"));
        if (!LearnerOptions.Algorithms.Contains(l.Algorithm))
            throw new InputException($"configuration: {s.Path}.algorithm '{l.Algorithm}' is not one of {string.Join(", ", LearnerOptions.Algorithms)}");
        if (l.LearningRate <= 0) throw new InputException($"configuration: {s.Path}.learning-rate must be above 0, got {l.LearningRate}");
        if (l.EpisodesPerUpdate < 1) throw new InputException($"configuration: {s.Path}.episodes-per-update must be at least 1, got {l.EpisodesPerUpdate}");
        if (l.Hidden < 1) throw new InputException($"configuration: {s.Path}.hidden must be at least 1, got {l.Hidden}");
        return l;
    }

    public static CostWeights Reward(Section s)
    {
        var w = new CostWeights(s.Double("imbalance"), s.Double("replication"), s.Double("cardinality"), s.Double("migration"));
        if (w.Imbalance < 0 || w.Replication < 0 || w.Cardinality < 0 || w.Migration < 0) throw new InputException($"configuration: {s.Path}: weights must be 0 or more");
        return w;
    }

    public static CostModel Cost(Section s)
    {
        var c = new CostModel(s.Double("a"), s.Double("b"), s.Double("c"), s.Double("d"));
        if (c.PerTuple < 0 || c.PerDistinctKey < 0 || c.PerExtraFragment < 0 || c.PerPartition < 0) throw new InputException($"configuration: {s.Path}: coefficients must be 0 or more");
        return c;
    }
}

/// <summary>
/// The settings the runtime reads from HOCON: hocon/partly.conf (the one place defaults live), then a user file on
/// top, each module's settings from its own section; flags override them.
/// </summary>
public sealed record RuntimeConfig(LearnerOptions Learner, CostWeights Reward, CostModel Cost, RuntimeSettings Runtime, Config Hocon,
    StreamDefaults Stream, TrainDefaults Train)
{
    public const string DefaultFile = "partly.conf";

    public int Window => Runtime.Window;
    public double TuplesPerSecond => Runtime.TuplesPerSecond;

    /// <summary>Loads hocon/partly.conf from beside the program, with <paramref name="userFile"/> layered on top.</summary>
    public static RuntimeConfig Load(string? userFile = null)
    {
        string builtIn = System.IO.Path.Combine(AppContext.BaseDirectory, "hocon", DefaultFile);
        if (!File.Exists(builtIn)) throw new InputException($"{builtIn}: the default configuration is missing from the installation");
        var config = ParseFile(builtIn);
        if (userFile is not null)
        {
            if (!File.Exists(userFile)) throw new InputException($"--config {userFile}: file not found");
            var user = ParseFile(userFile);
            HoconCheck.KnownKeys(user, config, userFile);
            config = user.WithFallback(config);
        }
        return FromConfig(config);
    }

    private static Config ParseFile(string path)
    {
        string text = File.ReadAllText(path);
        HoconCheck.Balanced(path, text);
        // Includes are files beside the including one; a missing one is named.
        Akka.Configuration.Hocon.HoconRoot Include(string name)
        {
            string included = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!, name);
            if (!File.Exists(included)) throw new InputException($"{path}: include \"{name}\": no such file ({included})");
            string body = File.ReadAllText(included);
            HoconCheck.Balanced(included, body);
            return Akka.Configuration.Hocon.Parser.Parse(body, Include);
        }
        try { return ConfigurationFactory.ParseString(text, Include); }
        catch (Exception e) when (e is not InputException) { throw new InputException($"{path}: not valid HOCON: {e.Message}"); }
    }

    public static RuntimeConfig FromConfig(Config config)
    {
        try
        {
            return new RuntimeConfig(LearningSettings.Learner(new Section(config, "partly.learner")), LearningSettings.Reward(new Section(config, "partly.reward")),
                LearningSettings.Cost(new Section(config, "partly.cost")), RuntimeSettings.From(new Section(config, "partly.runtime")), config,
                StreamDefaults.From(new Section(config, "partly.stream")), TrainDefaults.From(new Section(config, "partly.train")));
        }
        catch (Exception e) when (e is FormatException or ConfigurationException or InvalidCastException or OverflowException)
        {
            throw new InputException($"configuration: {e.Message}");
        }
    }
}
