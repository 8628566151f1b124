using System.Text.Json;

namespace PartLy.Core.Tests;

/// <summary>partly train --scenario cooperative and the learned scheduler in partly schedule, as a user runs them.</summary>
[Collection("console")]
public class CooperativeCliTests
{
    private static (int Code, string Error) Run(params string[] args) => CliTests.Run(args);

    private static string TempPath(string extension = "") => CliTests.TempPath(extension);

    [Fact]
    public void Training_writes_the_policy_curve_and_test_and_partly_schedule_adds_the_learned_row()
    {
        string dir = TempPath();
        var (code, error) = Run("train", "--scenario", "cooperative", "--batches", "400", "--out", dir, "--quiet");
        Assert.True(code == 0, error);
        foreach (string file in new[] { "policy.json", "learning-curve.csv", "learning-curve.png", "test.json", "test.csv" })
            Assert.True(File.Exists(Path.Combine(dir, file)), file);
        using (var test = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "test.json"))))
        {
            var learned = test.RootElement.EnumerateArray().Where(r => r.GetProperty("result").GetProperty("scheduler").GetString() == "learned").ToList();
            Assert.Equal(new[] { "spike", "wave", "step" }, learned.Select(r => r.GetProperty("profile").GetString()));
        }
        Assert.Equal(3, File.ReadAllLines(Path.Combine(dir, "learning-curve.csv")).Length); // header and the 2 episodes

        string policy = Path.Combine(dir, "policy.json"), json = TempPath(".json");
        string[] schedule = ["schedule", "--quiet", "--workload", "zipf:z=1,keys=10000,rate=1400000,step=1.5@10", "--batch", "1ms", "--partitions", "4",
            "--tuples", "40000", "--schedulers", "fixed,inversion", "--policy", policy];
        (code, error) = Run([.. schedule, "--json", json]);
        Assert.True(code == 0, error);
        using var document = JsonDocument.Parse(File.ReadAllText(json));
        var rows = document.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(new[] { "fixed", "inversion", "learned" }, rows.Select(r => r.GetProperty("scheduler").GetString()));
        Assert.All(rows, r => Assert.Equal("greedy", r.GetProperty("partitioner").GetString()));
        // Through the actors the learned scheduler decides in its SchedulerActor: the same file.
        string onActors = TempPath(".json");
        (code, error) = Run([.. schedule, "--json", onActors, "--actors"]);
        Assert.True(code == 0, error);
        Assert.Equal(File.ReadAllText(json), File.ReadAllText(onActors));

        (code, error) = Run([.. schedule, "--mode", "informed"]);
        Assert.Equal(2, code);
        Assert.Contains("was trained reactive", error);
        (code, error) = Run([.. schedule, "--partitioner", "hash"]);
        Assert.Equal(2, code);
        Assert.Contains("was trained with the partitioner greedy", error);
    }

    [Theory]
    [InlineData("--workload is not used by --scenario cooperative", "--workload", "zipf:z=1")]
    [InlineData("--slack is not used by --scenario cooperative", "--slack", "0.1")]
    [InlineData("--runtime actors: --scenario cooperative trains in the direct loop only", "--runtime", "actors")]
    [InlineData("--mode 'online' is not one of reactive, informed", "--mode", "online")]
    [InlineData("--batches must be at least 200", "--batches", "100")]
    public void Settings_the_cooperative_scenario_does_not_use_are_refused_before_training(string message, params string[] flags)
    {
        string dir = TempPath();
        var (code, error) = Run(["train", "--scenario", "cooperative", "--out", dir, "--quiet", .. flags]);
        Assert.Equal(2, code);
        Assert.Contains(message, error);
        Assert.False(Directory.Exists(dir));
    }
}
