using PartLy.Core;
using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;
using PartLy.Core.Streams;
using PartLy.Learning.Algorithms;
using PartLy.Learning.Policies;
using PartLy.Learning.Scenarios;
using PartLy.Learning.Training;

namespace PartLy.Learning.Tests;

public class CheckpointTests
{
    private static string TempPath() => Path.Combine(Path.GetTempPath(), $"partly-policy-{Guid.NewGuid():N}.json");

    private static Checkpoint Sample()
    {
        var policy = new CandidatePolicy(CandidateFeatures.Count, CandidateFeatures.State.Count, PartLy.Core.Partitioning.Reserving.ReservingPartitioner.MaxCandidates, hidden: 12, seed: 3);
        return new Checkpoint(PartitionerScenario.ScenarioName, InformationMode.Buffered, new CostWeights(Migration: 0.5),
            new LearnerOptions(LearningRate: 1e-3, Hidden: 12), policy, 123, 42, "zipf", Slack: 0.02);
    }

    [Fact]
    public void A_saved_policy_loads_back_identically()
    {
        string path = TempPath();
        var original = Sample();
        original.Save(path);
        var loaded = Checkpoint.Load(path);
        Assert.Equal(original.Policy.Scorer.Parameters, loaded.Policy.Scorer.Parameters);
        Assert.Equal(original.Policy.Value.Parameters, loaded.Policy.Value.Parameters);
        Assert.Equal(InformationMode.Buffered, loaded.Mode);
        Assert.Equal(0.5, loaded.Weights.Migration);
        Assert.Equal(1e-3, loaded.Learner.LearningRate);
        Assert.Equal(123, loaded.TrainedBatches);
        Assert.Equal(0.02, loaded.Slack);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + "*.tmp"));
    }

    [Theory]
    [InlineData("{not json", "corrupt JSON")]
    [InlineData("{\"format\":\"other\"}", "not a PartLy policy")]
    [InlineData("{\"format\":\"partly-policy\",\"version\":99}", "version 99 is not supported")]
    public void A_bad_file_gives_a_clear_error(string content, string message)
    {
        string path = TempPath();
        File.WriteAllText(path, content);
        var e = Assert.Throws<InputException>(() => Checkpoint.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Truncated_weights_are_detected()
    {
        string path = TempPath();
        Sample().Save(path);
        string text = File.ReadAllText(path);
        int at = text.IndexOf("\"scorer\": \"", StringComparison.Ordinal) + 11;
        File.WriteAllText(path, text[..at] + "AAAA" + text[text.IndexOf('"', at)..]);
        Assert.Contains("the scorer network has 0 weights", Assert.Throws<InputException>(() => Checkpoint.Load(path)).Message);
    }

    [Fact]
    public void A_missing_policy_is_named() =>
        Assert.Contains("policy file not found", Assert.Throws<InputException>(() => Checkpoint.Load("/no/such/policy.json")).Message);
}
