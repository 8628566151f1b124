using System.Diagnostics;
using PartLy.Learning;

namespace PartLy.Core.Tests;

/// <summary>partly train --cluster and partly node as a user runs them: real node processes on 127.0.0.1.</summary>
[Collection("console")]
public class ClusterCliTests
{
    [Fact]
    public void Training_on_two_worker_nodes_writes_the_embedded_run_s_policy_and_leaves_no_node_behind()
    {
        string embedded = CliTests.TempPath(), clustered = CliTests.TempPath();
        string[] train = ["train", "--quiet", "--batches", "200", "--test-batches", "40", "--partitions", "10", "--train-partitions", "10"];
        var (code, error) = CliTests.Run([.. train, "--out", embedded]);
        Assert.True(code == 0, error);
        (code, error) = CliTests.Run([.. train, "--out", clustered, "--cluster", "workers=2"]);
        Assert.True(code == 0, error);
        Assert.Equal(File.ReadAllBytes(Path.Combine(embedded, "policy.json")), File.ReadAllBytes(Path.Combine(clustered, "policy.json")));
        Assert.Equal(0, WorkerNodesRunning());
        // The learner on a node of its own, as the singleton of the learner nodes: the same policy.
        string learnerNode = CliTests.TempPath();
        (code, error) = CliTests.Run([.. train, "--out", learnerNode, "--cluster", "workers=1,learners=1"]);
        Assert.True(code == 0, error);
        Assert.Equal(File.ReadAllBytes(Path.Combine(embedded, "policy.json")), File.ReadAllBytes(Path.Combine(learnerNode, "policy.json")));
        Assert.Equal(0, WorkerNodesRunning());
    }

    [Fact]
    public void Training_in_two_lanes_on_agent_nodes_gives_the_embedded_two_lane_run_and_a_lost_node_stops_the_run_or_moves_its_lane()
    {
        string clustered = CliTests.TempPath(), killed = CliTests.TempPath();
        string[] train = ["train", "--quiet", "--batches", "200", "--test-batches", "100", "--partitions", "10", "--train-partitions", "10"];
        string reportPath = Path.Combine(clustered, "cluster.json");
        var (code, error) = CliTests.Run([.. train, "--out", clustered, "--cluster", "workers=1,agents=2", "--cluster-report", reportPath]);
        Assert.True(code == 0, error);
        using (var report = System.Text.Json.JsonDocument.Parse(File.ReadAllText(reportPath)))
        {
            var root = report.RootElement;
            Assert.Equal(2, root.GetProperty("agents").GetInt32());
            Assert.Equal(2, root.GetProperty("agent_nodes").GetInt32());
            Assert.Equal(root.GetProperty("embedded_policy_sha256").GetString(), root.GetProperty("policy_sha256").GetString());
            Assert.Equal(root.GetProperty("embedded_test_cost").GetDouble(), root.GetProperty("test_cost").GetDouble());
            Assert.Equal(0, root.GetProperty("tuples_lost").GetInt64());
            Assert.Equal(300_000, root.GetProperty("tuples").GetInt64());
            // Measured on the agent's clock: a remote agent's reports reach the driver in bursts.
            Assert.InRange(root.GetProperty("tuples_per_second").GetDouble(), 1e4, 1e9);
        }
        Assert.Equal(0, WorkerNodesRunning());
        (code, error) = CliTests.Run([.. train, "--batches", "100000", "--out", killed, "--cluster", "workers=1,agents=1", "--kill", "agent@batch=50"]);
        Assert.Equal(2, code);
        Assert.Matches(@"the agent node akka\.tcp://partly@127\.0\.0\.1:\d+ is lost \(after \d+ of 100000 training batches\): the run stops", error);
        Assert.DoesNotContain("   at ", error);
        Assert.False(Directory.Exists(killed) && Directory.EnumerateFileSystemEntries(killed).Any(), "a run stopped by a lost agent node wrote outputs");
        Assert.Equal(0, WorkerNodesRunning());
        // With two agent nodes the lost node's lane goes on from its first batch not completed on the node left.
        string survived = CliTests.TempPath();
        reportPath = Path.Combine(survived, "cluster.json");
        (code, error) = CliTests.Run([.. train, "--batches", "400", "--out", survived, "--cluster", "workers=1,agents=2", "--kill", "agent@batch=150", "--cluster-report", reportPath]);
        Assert.True(code == 0, error);
        Assert.Equal(401, File.ReadAllLines(Path.Combine(survived, "learning-curve.csv")).Length);
        using (var report = System.Text.Json.JsonDocument.Parse(File.ReadAllText(reportPath)))
        {
            Assert.Equal(1, report.RootElement.GetProperty("agent_nodes_lost").GetInt32());
            Assert.Equal(1, report.RootElement.GetProperty("lanes_moved").GetInt32());
            Assert.Equal(500, report.RootElement.GetProperty("batches").GetInt64());
        }
        Assert.Equal(0, WorkerNodesRunning());
    }

    [Fact]
    public void A_worker_node_killed_mid_run_loses_no_tuple_and_changes_no_number()
    {
        string embedded = CliTests.TempPath(), clustered = CliTests.TempPath();
        string[] train = ["train", "--quiet", "--batches", "200", "--test-batches", "40", "--partitions", "10", "--train-partitions", "10"];
        var (code, error) = CliTests.Run([.. train, "--out", embedded]);
        Assert.True(code == 0, error);
        string reportPath = Path.Combine(clustered, "cluster.json");
        (code, error) = CliTests.Run([.. train, "--out", clustered, "--cluster", "workers=2", "--kill", "worker@batch=100", "--cluster-report", reportPath]);
        Assert.True(code == 0, error);
        byte[] policy = File.ReadAllBytes(Path.Combine(embedded, "policy.json"));
        Assert.Equal(policy, File.ReadAllBytes(Path.Combine(clustered, "policy.json")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(embedded, "learning-curve.csv")), File.ReadAllBytes(Path.Combine(clustered, "learning-curve.csv")));
        using var report = System.Text.Json.JsonDocument.Parse(File.ReadAllText(reportPath));
        var root = report.RootElement;
        Assert.Equal(2, root.GetProperty("workers").GetInt32());
        Assert.Equal(240, root.GetProperty("batches").GetInt64());
        Assert.Equal(240_000, root.GetProperty("tuples").GetInt64());
        Assert.Equal(0, root.GetProperty("tuples_lost").GetInt64());
        Assert.Equal(0, root.GetProperty("tuples_double_counted").GetInt64());
        Assert.Equal(1, root.GetProperty("workers_lost").GetInt32());
        Assert.True(root.GetProperty("blocks_resent").GetInt32() >= 1);
        string sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(policy));
        Assert.Equal(sha, root.GetProperty("policy_sha256").GetString());
        Assert.Equal(sha, root.GetProperty("embedded_policy_sha256").GetString());
        Assert.True(root.GetProperty("bytes_per_tuple").GetDouble() >= 4, "every tuple crosses to a worker as a 4-byte key at least");
        Assert.Equal(0, WorkerNodesRunning());
    }

    [Fact]
    public void The_node_hosting_the_learner_killed_mid_run_changes_no_number_and_another_learner_node_takes_over()
    {
        string embedded = CliTests.TempPath(), clustered = CliTests.TempPath();
        var statesBefore = LearnerStates();
        string[] train = ["train", "--quiet", "--batches", "200", "--test-batches", "20", "--partitions", "10", "--train-partitions", "10"];
        var (code, error) = CliTests.Run([.. train, "--out", embedded]);
        Assert.True(code == 0, error);
        string reportPath = Path.Combine(clustered, "cluster.json");
        (code, error) = CliTests.Run([.. train, "--out", clustered, "--cluster", "workers=1,learners=2", "--kill", "learner@update=3", "--cluster-report", reportPath]);
        Assert.True(code == 0, error);
        Assert.Equal(File.ReadAllBytes(Path.Combine(embedded, "policy.json")), File.ReadAllBytes(Path.Combine(clustered, "policy.json")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(embedded, "learning-curve.csv")), File.ReadAllBytes(Path.Combine(clustered, "learning-curve.csv")));
        using var report = System.Text.Json.JsonDocument.Parse(File.ReadAllText(reportPath));
        Assert.Equal(2, report.RootElement.GetProperty("learners").GetInt32());
        Assert.True(report.RootElement.GetProperty("failover_seconds").GetDouble() > 0, "the report says how long the learner took to answer again");
        Assert.Equal(0, WorkerNodesRunning());
        Assert.Empty(LearnerStates().Except(statesBefore));
    }

    [Fact]
    public void Training_asynchronously_with_the_learner_on_a_node_of_its_own_makes_every_update_and_reports_against_the_synchronous_run()
    {
        string clustered = CliTests.TempPath();
        string reportPath = Path.Combine(clustered, "cluster.json");
        var (code, error) = CliTests.Run("train", "--quiet", "--batches", "320", "--test-batches", "40", "--partitions", "10", "--train-partitions", "10",
            "--out", clustered, "--cluster", "workers=0,learners=1,mode=async,max-lag=2", "--cluster-report", reportPath);
        Assert.True(code == 0, error);
        Assert.Equal(321, File.ReadAllLines(Path.Combine(clustered, "learning-curve.csv")).Length);
        using var report = System.Text.Json.JsonDocument.Parse(File.ReadAllText(reportPath));
        var root = report.RootElement;
        Assert.Equal("async", root.GetProperty("mode").GetString());
        Assert.Equal(2, root.GetProperty("max_policy_lag").GetInt32());
        Assert.Equal((0, 1), (root.GetProperty("workers").GetInt32(), root.GetProperty("learners").GetInt32()));
        Assert.Equal(0, root.GetProperty("tuples_lost").GetInt64());
        Assert.InRange(root.GetProperty("episodes_dropped").GetInt32(), 0, 320);
        Assert.True(root.GetProperty("train_seconds").GetDouble() > 0 && root.GetProperty("embedded_train_seconds").GetDouble() > 0);
        Assert.True(root.GetProperty("test_cost").GetDouble() > 0 && root.GetProperty("embedded_test_cost").GetDouble() > 0);
        Assert.True(root.GetProperty("driver_bytes").GetInt64() > 0, "episodes and weights cross between the driver and the learner's node");
        Assert.Equal(System.Text.Json.JsonValueKind.Null, root.GetProperty("bytes_per_tuple").ValueKind);
        Assert.Equal(0, WorkerNodesRunning());
    }

    [Fact]
    public void Sigterm_during_an_asynchronous_run_on_a_learner_node_stops_cleanly_and_leaves_no_node_or_state_behind()
    {
        string dir = CliTests.TempPath();
        var statesBefore = LearnerStates();
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "partly.dll"), "train", "--quiet", "--batches", "1000000",
            "--test-batches", "5", "--out", dir, "--cluster", "workers=0,learners=1,mode=async"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        Assert.StartsWith("train", process.StandardOutput.ReadLine() ?? "");
        process.BeginErrorReadLine();
        // The node joins in about 2 s; then training runs.
        Thread.Sleep(8000);
        Process.Start("kill", ["-TERM", process.Id.ToString()])!.WaitForExit();
        Assert.True(process.WaitForExit(60_000), "the driver did not stop after SIGTERM");
        Assert.Equal(130, process.ExitCode);
        Assert.InRange(Checkpoint.Load(Path.Combine(dir, "policy.json")).TrainedBatches, 1, 999_999);
        Assert.Equal(0, WorkerNodesRunning());
        Assert.Empty(LearnerStates().Except(statesBefore));
    }

    [Fact]
    public void Evaluating_under_emulated_service_time_measures_the_policy_and_hash_against_the_cost_model_s_prediction()
    {
        string trained = CliTests.TempPath(), report = Path.Combine(CliTests.TempPath(), "service.json");
        var (code, error) = CliTests.Run("train", "--quiet", "--batches", "100", "--test-batches", "10", "--partitions", "8", "--train-partitions", "8", "--out", trained);
        Assert.True(code == 0, error);
        (code, error) = CliTests.Run("evaluate", "--quiet", "--policy", Path.Combine(trained, "policy.json"), "--partitions", "8", "--tuples", "30000", "--batch", "1000",
            "--strategies", "hash", "--no-timing", "--cluster", "workers=2", "--service-time", "emulate:scale=20,slots=2", "--service-report", report);
        Assert.True(code == 0, error);
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(report));
        var root = json.RootElement;
        Assert.Equal(2, root.GetProperty("workers").GetInt32());
        Assert.Equal(2, root.GetProperty("slots").GetInt32());
        foreach (string name in new[] { "learned", "hash" })
        {
            var run = root.GetProperty(name);
            Assert.Equal(30, run.GetProperty("batches").GetInt64());
            double measured = run.GetProperty("measured_milliseconds").GetDouble(), predicted = run.GetProperty("predicted_milliseconds").GetDouble();
            Assert.True(predicted > 0 && measured >= predicted, $"{name}: {measured} ms measured, {predicted} ms predicted: a block is never served in less than its time");
        }
        double ratio = root.GetProperty("learned").GetProperty("predicted_milliseconds").GetDouble() / root.GetProperty("hash").GetProperty("predicted_milliseconds").GetDouble();
        Assert.Equal(ratio, root.GetProperty("predicted_ratio").GetDouble(), 9);
        Assert.Equal(0, WorkerNodesRunning());
    }

    /// <summary>Node processes (workers and learners) of this machine, by their command lines (Linux's /proc; 0 elsewhere).</summary>
    /// <summary>The learner state directories in the temporary folder (another run on this machine may hold its own).</summary>
    private static HashSet<string> LearnerStates() => [.. Directory.GetDirectories(Path.GetTempPath(), "partly-learner-*")];

    private static int WorkerNodesRunning()
    {
        if (!Directory.Exists("/proc")) return 0;
        int count = 0;
        foreach (string dir in Directory.GetDirectories("/proc"))
        {
            try
            {
                string commandLine = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (commandLine.Contains("partly.dll node --roles")) count++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return count;
    }

    [Theory]
    [InlineData("mode=fast is not one of sync, async", "train", "--quiet", "--cluster", "workers=2,mode=fast")]
    [InlineData("max-lag applies to mode=async", "train", "--quiet", "--cluster", "workers=2,max-lag=3")]
    [InlineData("max-lag=0 is outside [1, 64]", "train", "--quiet", "--cluster", "learners=1,mode=async,max-lag=0")]
    [InlineData("workers=0 with no learner or agent nodes starts no node", "train", "--quiet", "--cluster", "workers=0")]
    [InlineData("mode=async corrects stale episodes with PPO's V-trace: --algo reinforce", "train", "--quiet", "--algo", "reinforce", "--cluster", "workers=0,learners=1,mode=async")]
    [InlineData("--cluster mode=async: evaluation does not learn", "bench", "--quiet", "--cluster", "workers=1,mode=async")]
    [InlineData("agents=9 is outside [0, 8]", "train", "--quiet", "--cluster", "workers=2,agents=9")]
    [InlineData("--lanes 3 with --cluster agents=2: each agent node is a lane", "train", "--quiet", "--lanes", "3", "--cluster", "agents=2")]
    [InlineData("--lanes needs --runtime actors", "train", "--quiet", "--lanes", "2", "--runtime", "direct")]
    [InlineData("--lanes must be within [1, 8], got 0", "train", "--quiet", "--lanes", "0")]
    [InlineData("--kill worker@batch=B and learner@update=U need a single lane", "train", "--quiet", "--lanes", "2", "--cluster", "workers=2", "--kill", "worker@batch=5")]
    [InlineData("--kill worker@batch=B and learner@update=U need the agent in the driver", "train", "--quiet", "--cluster", "workers=2,agents=1", "--kill", "worker@batch=5")]
    [InlineData("--kill agent@batch=B needs --cluster ...,agents=A", "train", "--quiet", "--cluster", "workers=2", "--kill", "agent@batch=5")]
    [InlineData("--kill agent@batch=100: training has 100 batches", "train", "--quiet", "--batches", "100", "--cluster", "agents=1", "--kill", "agent@batch=100")]
    [InlineData("--cluster needs --runtime actors", "train", "--quiet", "--cluster", "workers=2", "--runtime", "direct")]
    [InlineData("--cluster runs a trained policy through the actors", "bench", "--quiet", "--cluster", "workers=2")]
    [InlineData("--kill worker@batch=B needs --cluster workers=2 or more", "train", "--quiet", "--cluster", "workers=1", "--kill", "worker@batch=5")]
    [InlineData("--kill learner@update=U needs --cluster ...,learners=2 or more", "train", "--quiet", "--cluster", "workers=2,learners=1", "--kill", "learner@update=2")]
    [InlineData("--kill learner@update=U needs --cluster ...,mode=sync", "train", "--quiet", "--cluster", "learners=2,mode=async", "--kill", "learner@update=2")]
    [InlineData("--kill learner@update=9: training makes 4 updates", "train", "--quiet", "--batches", "100", "--cluster", "workers=1,learners=2", "--kill", "learner@update=9")]
    [InlineData("--kill: 'learner@update=0' is not worker@batch=B", "train", "--quiet", "--cluster", "workers=2,learners=2", "--kill", "learner@update=0")]
    [InlineData("--kill worker@batch=900: training has 100 batches", "train", "--quiet", "--batches", "100", "--cluster", "workers=2", "--kill", "worker@batch=900")]
    [InlineData("--cluster-report needs --cluster workers=N, agents=A or learners=L", "train", "--quiet", "--cluster-report", "cluster.json")]
    [InlineData("--service-time needs --cluster workers=N", "train", "--quiet", "--service-time", "emulate")]
    [InlineData("--service-time: 'emulate:slots=0': slots=0 is outside [1, 64]", "bench", "--quiet", "--service-time", "emulate:slots=0")]
    [InlineData("--service-report needs --service-time", "bench", "--quiet", "--service-report", "service.json")]
    [InlineData("--service-time: 'fast': the only service time is emulate", "node", "--roles", "worker", "--service-time", "fast")]
    [InlineData("--roles: unknown role 'scheduler' (allowed: worker, learner, agent)", "node", "--roles", "scheduler")]
    [InlineData("--cluster learners=L: evaluation does not learn", "bench", "--quiet", "--cluster", "workers=1,learners=1")]
    [InlineData("learners=9 is outside [0, 4]", "train", "--quiet", "--cluster", "workers=1,learners=9")]
    [InlineData("--seed 'nowhere' is not an address", "node", "--roles", "worker", "--seed", "nowhere")]
    public void Cluster_settings_that_are_wrong_or_not_built_are_refused_before_anything_starts(string message, params string[] args)
    {
        var (code, error) = CliTests.Run(args);
        Assert.Equal(2, code);
        Assert.Contains(message, error);
    }

    [Fact]
    public void A_node_prints_its_address_when_ready_and_exits_when_its_input_closes()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { typeof(PartLy.Cli.PartLyApp).Assembly.Location, "node", "--roles", "worker" }) start.ArgumentList.Add(a);
        using var node = Process.Start(start)!;
        string? line = node.StandardOutput.ReadLine();
        Assert.Matches(@"^node akka\.tcp://partly@127\.0\.0\.1:\d+ ready$", line);
        node.StandardInput.Close();
        Assert.True(node.WaitForExit(15_000), "the node did not exit after its input closed");
        Assert.Equal(0, node.ExitCode);
    }
}
