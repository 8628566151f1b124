using System.Text.Json;
using System.Text.Json.Nodes;
using PartLy.Core;
using PartLy.Core.Metrics;
using PartLy.Core.Scheduling;
using PartLy.Learning.Algorithms;
using PartLy.Learning.Policies;

namespace PartLy.Learning.Scheduling;

/// <summary>
/// A trained scheduler agent on disk (the cooperative scenario's policy file): a versioned JSON document with the
/// partitioner it was trained with (a strategy, or a trained partitioner's policy embedded whole: then the file holds
/// both agents), the team cost's weights, the learner's hyperparameters and the weights of its
/// two networks (base64 float32). Written atomically; a partitioner's policy file is refused with a message that says so.
/// </summary>
public sealed record SchedulerCheckpoint(CandidatePolicy Policy, string Partitioner, TeamCost Team, CostModel Cost, bool Informed,
    LearnerOptions Learner, double Gamma, long TrainedBatches, ulong Seed, Checkpoint? PartitionerPolicy = null)
{
    /// <summary>What <see cref="Partitioner"/> says when the partitioner is the embedded trained policy.</summary>
    public const string LearnedPartitioner = "learned";

    /// <summary>A fresh instance of the partitioner it was trained with.</summary>
    public Core.Partitioning.Partitioner CreatePartitioner() =>
        PartitionerPolicy?.CreatePartitioner() ?? Core.Partitioning.Strategies.Create(Partitioner);

    public const string Format = "partly-scheduler-policy";
    public const string Scenario = "cooperative";
    public const int Version = 1;

    /// <summary>The agent as a scheduling rule for a run that starts at <paramref name="referencePartitions"/> blocks.</summary>
    public IScheduler CreateScheduler(CostModel cost, int referencePartitions) => new LearnedScheduler(Policy, cost, referencePartitions);

    public void Save(string path) => AtomicFile.Write(path, stream =>
    {
        var doc = new JsonObject
        {
            ["format"] = Format,
            ["version"] = Version,
            ["scenario"] = Scenario,
            ["partitioner"] = Partitioner,
            ["informed"] = Informed,
            ["team_cost"] = JsonSerializer.SerializeToNode(Team),
            ["cost_model"] = JsonSerializer.SerializeToNode(Cost),
            ["learner"] = JsonSerializer.SerializeToNode(Learner),
            ["gamma"] = Gamma,
            ["trained_batches"] = TrainedBatches,
            ["seed"] = Seed,
            ["features"] = Policy.Features,
            ["globals"] = Policy.Globals,
            ["max_candidates"] = Policy.MaxCandidates,
            ["hidden"] = Policy.Hidden,
            ["scorer"] = Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(Policy.Scorer.Parameters.AsSpan())),
            ["value"] = Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(Policy.Value.Parameters.AsSpan())),
            ["partitioner_policy"] = PartitionerPolicy?.ToJson(),
        };
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        doc.WriteTo(writer);
    });

    /// <summary>Whether the file is a scheduler's policy (rather than a partitioner's), by its format field.</summary>
    public static bool IsSchedulerPolicy(string path)
    {
        try { return File.Exists(path) && JsonNode.Parse(File.ReadAllText(path)) is JsonObject doc && doc["format"]?.GetValue<string>() == Format; }
        catch (Exception e) when (e is JsonException or IOException or InvalidOperationException) { return false; }
    }

    public static SchedulerCheckpoint Load(string path)
    {
        if (!File.Exists(path)) throw new InputException($"{path}: policy file not found");
        JsonObject doc;
        try { doc = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InputException($"{path}: not a PartLy policy"); }
        catch (JsonException e) { throw new InputException($"{path}: not a PartLy policy (corrupt JSON: {e.Message})"); }
        string? format = doc["format"]?.GetValue<string>();
        if (format == Checkpoint.Format)
            throw new InputException($"{path}: a partitioner's policy (scenario '{doc["scenario"]?.GetValue<string>()}'), not the cooperative scenario's scheduler: train one with partly train --scenario {Scenario}");
        if (format != Format) throw new InputException($"{path}: not a PartLy policy (format is not '{Format}')");
        try
        {
            int version = doc["version"]!.GetValue<int>();
            if (version != Version) throw new InputException($"{path}: scheduler policy version {version} is not supported (this build reads version {Version})");
            int features = doc["features"]!.GetValue<int>(), globals = doc["globals"]!.GetValue<int>(), candidates = doc["max_candidates"]!.GetValue<int>();
            if (features != SchedulerObservation.Features || globals != SchedulerObservation.StateFeatures || candidates != SchedulerObservation.MaxCandidates)
                throw new InputException($"{path}: the policy's shape ({features} features, {globals} globals, {candidates} candidates) does not fit this build's scheduler");
            var policy = new CandidatePolicy(features, globals, candidates, doc["hidden"]!.GetValue<int>());
            Decode(doc["scorer"]!.GetValue<string>(), policy.Scorer.Parameters, path);
            Decode(doc["value"]!.GetValue<string>(), policy.Value.Parameters, path);
            CandidatePolicy.ThrowIfNotFinite(policy.Scorer.Parameters, "policy");
            return new SchedulerCheckpoint(policy, doc["partitioner"]!.GetValue<string>(), doc["team_cost"].Deserialize<TeamCost>()!, doc["cost_model"].Deserialize<CostModel>()!,
                doc["informed"]!.GetValue<bool>(), doc["learner"].Deserialize<LearnerOptions>()!, doc["gamma"]!.GetValue<double>(),
                doc["trained_batches"]!.GetValue<long>(), doc["seed"]!.GetValue<ulong>(),
                doc["partitioner_policy"] is JsonObject partitioner ? Checkpoint.FromJson(partitioner, $"{path} (its partitioner)") : null);
        }
        catch (TrainingDivergedException) { throw new InputException($"{path}: the policy holds non-finite weights"); }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or NullReferenceException)
        {
            throw new InputException($"{path}: corrupt scheduler policy: {e.Message}");
        }
    }

    private static void Decode(string text, float[] into, string path)
    {
        byte[] bytes = Convert.FromBase64String(text);
        if (bytes.Length != into.Length * sizeof(float)) throw new InputException($"{path}: corrupt scheduler policy: {bytes.Length / 4} weights, expected {into.Length}");
        Buffer.BlockCopy(bytes, 0, into, 0, bytes.Length);
    }
}
