using PartLy.Core.Partitioning;
using System.Text.Json;
using PartLy.Cli;

namespace PartLy.Core.Tests;

[CollectionDefinition("console", DisableParallelization = true)]
public sealed class ConsoleCollection;

[Collection("console")]
public class CliTests
{
    internal static (int Code, string Error) Run(params string[] args)
    {
        var error = new StringWriter();
        var original = Console.Error;
        Console.SetError(error);
        try { return (PartLyApp.Run(args), error.ToString()); }
        finally { Console.SetError(original); }
    }

    internal static string TempPath(string extension = "") => Path.Combine(Path.GetTempPath(), $"partly-cli-{Guid.NewGuid():N}{extension}");

    [Fact]
    public void Bench_writes_the_json_and_csv_reports()
    {
        string json = TempPath(".json"), csv = TempPath(".csv");
        var (code, error) = Run("bench", "--quiet", "--workload", "zipf:z=1.5,keys=1000", "--tuples", "20000", "--batch", "1000",
            "--partitions", "10", "--strategies", "hash,pkg:d=3,greedy-fill", "--json", json, "--csv", csv);
        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        Assert.Equal(10, root.GetProperty("partitions").GetInt32());
        Assert.Equal(1000, root.GetProperty("batch").GetInt32());
        Assert.Equal(20000, root.GetProperty("tuples").GetInt64());
        var results = root.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(new[] { "hash", "pkg:d=3", "greedy-fill" }, results.Select(r => r.GetProperty("strategy").GetString()));
        Assert.Equal("buffered", results[2].GetProperty("mode").GetString());
        foreach (string field in new[] { "batch_imbalance_mean", "batch_imbalance_p95", "batch_imbalance_max", "batch_replication_mean",
                     "batch_weighted_replication_mean", "batch_cardinality_imbalance_mean", "stream_imbalance", "stream_replication", "tuples_per_second" })
            Assert.True(results[0].TryGetProperty(field, out _), field);
        Assert.Equal(1.0, results[0].GetProperty("batch_replication_mean").GetDouble());
        Assert.True(results[0].GetProperty("batch_imbalance_mean").GetDouble() > 0.5);
        var bounds = root.GetProperty("bounds");
        Assert.True(bounds.GetProperty("no_split_floor_mean").GetDouble() > 0);
        Assert.True(bounds.GetProperty("replication_floor_mean").GetDouble() >= 1);
        Assert.True(bounds.GetProperty("weighted_replication_floor_mean").GetDouble() >= 1);
        var lines = File.ReadAllLines(csv);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("strategy,name,mode,batch_imbalance_mean,batch_imbalance_p95,batch_imbalance_max", lines[0]);
        Assert.StartsWith("hash,Hash,online,", lines[1]);
    }

    [Fact]
    public void All_lists_every_strategy_and_a_greedy_with_slack_stays_within_it()
    {
        string json = TempPath(".json");
        var (code, error) = Run("bench", "--quiet", "--workload", "zipf:z=1.0,keys=1000", "--tuples", "20000", "--batch", "2000",
            "--partitions", "10", "--strategies", "all,greedy:slack=0.02", "--json", json);
        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var results = doc.RootElement.GetProperty("results").EnumerateArray().ToDictionary(r => r.GetProperty("strategy").GetString()!);
        Assert.Equal(Strategies.Names.Count + 1, results.Count);
        Assert.Equal(0.0, results["greedy"].GetProperty("batch_imbalance_max").GetDouble(), 12);
        double slackMax = results["greedy:slack=0.02"].GetProperty("batch_imbalance_max").GetDouble();
        Assert.InRange(slackMax, 1e-9, 0.02 + 1e-9);
    }

    [Fact]
    public void Bench_charts_the_trade_off_as_a_png()
    {
        string png = TempPath(".png");
        var (code, error) = Run("bench", "--quiet", "--tuples", "20000", "--partitions", "10", "--strategies", "hash,pkg,greedy,prompt", "--png", png);
        Assert.True(code == 0, error);
        var bytes = File.ReadAllBytes(png);
        Assert.True(bytes.Length > 1000);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
    }

    [Theory]
    [InlineData("unknown strategy 'nope'", "--strategies", "hash,nope")]
    [InlineData("unknown generator 'pareto'", "--workload", "pareto:a=1")]
    [InlineData("--partitions must be at least 1", "--partitions", "0")]
    [InlineData("--batch must be at least 1 tuple", "--batch", "0")]
    [InlineData("--batch 'soon' is neither", "--batch", "soon")]
    [InlineData("needs arrival times", "--batch", "200ms")]
    [InlineData("trace file not found", "--trace", "/no/such/file.txt")]
    [InlineData("--format 'xml' is not one of lines, words, csv", "--trace", "PartLy.Core.Tests.dll", "--format", "xml")]
    public void Bad_input_exits_non_zero_with_a_message_and_leaves_no_report(string message, params string[] flags)
    {
        string json = TempPath(".json");
        var (code, error) = Run(["bench", "--quiet", "--tuples", "5000", "--json", json, .. flags]);
        Assert.Equal(PartLyApp.InputError, code);
        Assert.Contains(message, error);
        Assert.False(File.Exists(json));
    }

    [Fact]
    public void A_malformed_trace_names_file_and_line_and_leaves_no_report()
    {
        string trace = TempPath(".txt"), json = TempPath(".json");
        File.WriteAllText(trace, "a\nb\n\nc\n");
        var (code, error) = Run("bench", "--quiet", "--trace", trace, "--json", json);
        Assert.Equal(PartLyApp.InputError, code);
        Assert.Contains($"{trace}:3: empty key", error);
        Assert.False(File.Exists(json));
        Assert.Empty(Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(json) + "*.tmp"));
    }

    [Theory]
    [InlineData("direct")]
    [InlineData("actors")]
    public void Train_writes_the_policy_the_learning_curve_and_the_test_report(string runtime)
    {
        string dir = TempPath("");
        var (code, error) = Run("train", "--quiet", "--runtime", runtime, "--batches", "60", "--test-batches", "20",
            "--train-partitions", "10", "--partitions", "10", "--batch", "500", "--out", dir);
        Assert.True(code == 0, error);
        foreach (string file in new[] { "policy.json", "learning-curve.png", "learning-curve.csv", "test.json", "test.csv" })
            Assert.True(new FileInfo(Path.Combine(dir, file)).Length > 0, file);
        var curve = File.ReadAllLines(Path.Combine(dir, "learning-curve.csv"));
        Assert.Equal(61, curve.Length);
        // Each batch beside the rules alone (reserving) on the same batch, and the training cell it came from.
        Assert.Equal("episode,reward,reference_reward,imbalance,replication,decisions,partitions,cell", curve[0]);
        Assert.All(curve[1..], row => Assert.EndsWith("P=10\"", row));
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "test.json")));
        Assert.Equal("learned", doc.RootElement.GetProperty("results")[0].GetProperty("strategy").GetString());

        string json = TempPath(".json");
        (code, error) = Run("evaluate", "--quiet", "--runtime", runtime, "--policy", Path.Combine(dir, "policy.json"), "--ablation",
            "--strategies", "greedy", "--tuples", "10000", "--partitions", "10", "--json", json);
        Assert.True(code == 0, error);
        using var report = JsonDocument.Parse(File.ReadAllText(json));
        var rows = report.RootElement.GetProperty("results").EnumerateArray().ToArray();
        // --ablation adds the policy's rules with the first and with a random candidate, as ordinary strategies.
        Assert.Equal(new[] { "learned", "reserving:slack=0.01,mode=online,locality=off,choice=first",
            "reserving:slack=0.01,mode=online,locality=off,choice=random,seed=42", "greedy" }, rows.Select(r => r.GetProperty("strategy").GetString()));
        // The policy keeps the default slack of hocon/partly.conf (0.01): λ ≤ 0.01 in every batch.
        Assert.All(rows[..3], r => Assert.InRange(r.GetProperty("batch_imbalance_max").GetDouble(), 0, 0.01 + 1e-9));

        // The same policy partitions the batches of partly schedule.
        string schedule = TempPath(".json");
        (code, error) = Run("schedule", "--quiet", "--policy", Path.Combine(dir, "policy.json"), "--workload", "zipf:rate=1000000,step=1.5@10",
            "--batch", "1ms", "--partitions", "4", "--tuples", "30000", "--schedulers", "fixed,ds2", "--json", schedule);
        Assert.True(code == 0, error);
        using var scheduled = JsonDocument.Parse(File.ReadAllText(schedule));
        Assert.All(scheduled.RootElement.GetProperty("results").EnumerateArray(), r => Assert.Equal("learned", r.GetProperty("partitioner").GetString()));
        // Through the actors (a SchedulerActor per rule, the agent, a partition actor per block): the same file.
        string onActors = TempPath(".json");
        (code, error) = Run("schedule", "--quiet", "--policy", Path.Combine(dir, "policy.json"), "--workload", "zipf:rate=1000000,step=1.5@10",
            "--batch", "1ms", "--partitions", "4", "--tuples", "30000", "--schedulers", "fixed,ds2", "--json", onActors, "--actors");
        Assert.True(code == 0, error);
        Assert.Equal(File.ReadAllText(schedule), File.ReadAllText(onActors));
    }

    [Theory]
    [InlineData("--mode 'sideways' is not one of online, buffered", "train", "--mode", "sideways")]
    [InlineData("--scenario: unknown scenario 'partitioner-pk3'", "train", "--scenario", "partitioner-pk3")]
    [InlineData("--algo 'dqn' is not one of ppo, reinforce", "train", "--algo", "dqn")]
    [InlineData("--runtime 'cluster' is not one of actors, direct", "train", "--runtime", "cluster")]
    [InlineData("--slack must be at least 0 and below 1, got 1.5", "train", "--slack", "1.5")]
    [InlineData("evaluate needs --policy FILE", "evaluate")]
    [InlineData("--ablation needs --policy FILE", "bench", "--ablation")]
    [InlineData("policy file not found", "evaluate", "--policy", "/no/such/policy.json")]
    [InlineData("--config /no/such.conf: file not found", "train", "--config", "/no/such.conf")]
    public void Bad_train_and_evaluate_input_exits_non_zero_with_a_message(string message, params string[] args)
    {
        string dir = TempPath("");
        string[] extra = args[0] == "train" ? ["--quiet", "--batches", "5", "--out", dir] : ["--quiet"];
        var (code, error) = Run([.. args, .. extra]);
        Assert.Equal(PartLyApp.InputError, code);
        Assert.Contains(message, error);
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public void Hocon_sets_the_defaults_and_flags_override_them()
    {
        string conf = TempPath(".conf");
        File.WriteAllText(conf, """
            partly.stream { workload = "uniform:keys=100", partitions = 7, batch = "500", tuples = 5000, seed = 3 }
            """);
        string json = TempPath(".json");
        var (code, error) = Run("bench", "--quiet", "--config", conf, "--strategies", "hash", "--json", json);
        Assert.True(code == 0, error);
        using (var doc = JsonDocument.Parse(File.ReadAllText(json)))
        {
            var root = doc.RootElement;
            Assert.Equal("uniform:keys=100", root.GetProperty("workload").GetString());
            Assert.Equal(7, root.GetProperty("partitions").GetInt32());
            Assert.Equal(500, root.GetProperty("batch").GetInt32());
            Assert.Equal(5000, root.GetProperty("tuples").GetInt64());
            Assert.Equal(3, root.GetProperty("seed").GetInt64());
        }
        (code, error) = Run("bench", "--quiet", "--config", conf, "--strategies", "hash", "--partitions", "9", "--batch", "250", "--json", json);
        Assert.True(code == 0, error);
        using (var doc = JsonDocument.Parse(File.ReadAllText(json)))
        {
            Assert.Equal(9, doc.RootElement.GetProperty("partitions").GetInt32());
            Assert.Equal(250, doc.RootElement.GetProperty("batch").GetInt32());
        }
    }

    [Theory]
    [InlineData("partly.stream.partitions must be at least 1, got 0", "partly.stream.partitions = 0")]
    [InlineData("partly.stream.batch 'soon' is neither", "partly.stream.batch = soon")]
    [InlineData("partly.train.batches must be at least 1", "partly.train.batches = -5")]
    [InlineData("partly.train.partitions: a list of P values", "partly.train.partitions = [10, 0]")]
    [InlineData("partly.train.slack must be at least 0 and below 1, got -0.1", "partly.train.slack = -0.1")]
    [InlineData("Could not resolve dispatcher type Nonsense", "partly.runtime.partition-dispatcher.type = Nonsense")]
    [InlineData("Could not resolve dispatcher type Nonsense", "partly.runtime.loop-dispatcher.type = Nonsense")]
    public void A_bad_configuration_value_exits_non_zero_naming_the_key(string message, string line)
    {
        string conf = TempPath(".conf"), dir = TempPath("");
        File.WriteAllText(conf, line);
        var (code, error) = Run("train", "--quiet", "--config", conf, "--batches", "5", "--test-batches", "5", "--train-partitions", "10", "--out", dir);
        Assert.Equal(PartLyApp.InputError, code);
        Assert.Contains(message, error);
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public void Unknown_flags_are_refused()
    {
        var (code, error) = Run("bench", "--partitons", "5");
        Assert.NotEqual(0, code);
        Assert.Contains("partitons", error);
    }
}
