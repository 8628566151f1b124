using PartLy.Core.Metrics;
using System.Text.Json;
using System.Text.Json.Nodes;
using PartLy.Core;
using PartLy.Core.Partitioning;
using PartLy.Core.Streams;
using PartLy.Learning.Algorithms;
using PartLy.Learning.Policies;
using PartLy.Learning.Scenarios;
using PartLy.Learning.Training;

namespace PartLy.Learning;

/// <summary>
/// A trained policy on disk: a versioned JSON document with the scenario, information mode, cost weights, learner
/// hyperparameters, training summary and the weights of both networks (base64 float32). Written atomically.
/// </summary>
public sealed record Checkpoint(
    string Scenario, InformationMode Mode, CostWeights Weights, LearnerOptions Learner,
    CandidatePolicy Policy, long TrainedBatches, ulong Seed, string TrainedOn, double Slack = 0)
{
    public const string Format = "partly-policy";
    public const int Version = 1;

    public void Save(string path) => AtomicFile.Write(path, stream => stream.Write(ToBytes()));

    /// <summary>The bytes <see cref="Save"/> writes (indented UTF-8 JSON).</summary>
    public byte[] ToBytes()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true })) ToJson().WriteTo(writer);
        return buffer.ToArray();
    }

    /// <summary>The policy as the JSON document <see cref="Save"/> writes (also embedded in a cooperative scheduler's file).</summary>
    public JsonObject ToJson() =>
        new()
        {
            ["format"] = Format,
            ["version"] = Version,
            ["scenario"] = Scenario,
            ["mode"] = Mode == InformationMode.Online ? "online" : "buffered",
            ["slack"] = Slack,
            ["cost_weights"] = JsonSerializer.SerializeToNode(Weights),
            ["learner"] = JsonSerializer.SerializeToNode(Learner),
            ["trained_batches"] = TrainedBatches,
            ["seed"] = Seed,
            ["trained_on"] = TrainedOn,
            ["features"] = Policy.Features,
            ["globals"] = Policy.Globals,
            ["max_candidates"] = Policy.MaxCandidates,
            ["hidden"] = Policy.Hidden,
            ["scorer"] = Encode(Policy.Scorer.Parameters),
            ["value"] = Encode(Policy.Value.Parameters),
        };

    public static Checkpoint Load(string path)
    {
        if (Directory.Exists(path)) throw new InputException($"{path}: is a directory, not a policy file");
        if (!File.Exists(path)) throw new InputException($"{path}: policy file not found");
        JsonNode? root;
        try { root = JsonNode.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InputException($"{path}: not a PartLy policy (corrupt JSON: {e.Message})"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new InputException($"{path}: cannot read the policy ({e.Message})"); }
        if (root is JsonObject scheduler && scheduler["format"]?.GetValue<string>() == Scheduling.SchedulerCheckpoint.Format)
            throw new InputException($"{path}: the cooperative scenario's scheduler policy, not a partitioner's (partly schedule --policy takes it)");
        if (root is not JsonObject doc) throw new InputException($"{path}: not a PartLy policy (format is not '{Format}')");
        return FromJson(doc, path);
    }

    /// <summary>A policy from its JSON document; <paramref name="path"/> names where it came from in messages.</summary>
    public static Checkpoint FromJson(JsonObject doc, string path)
    {
        if (doc["format"]?.GetValue<string>() != Format) throw new InputException($"{path}: not a PartLy policy (format is not '{Format}')");
        int version = Get<int>(doc, "version", path);
        if (version != Version) throw new InputException($"{path}: policy version {version} is not supported (this build reads version {Version})");
        try
        {
            string scenarioName = Get<string>(doc, "scenario", path);
            var scenario = ScenarioRegistry.Create(scenarioName);
            int features = Get<int>(doc, "features", path), globals = Get<int>(doc, "globals", path);
            int maxCandidates = Get<int>(doc, "max_candidates", path), hidden = Get<int>(doc, "hidden", path);
            if (features != scenario.ActionSpace.Features || globals != scenario.StateFeatures || maxCandidates != scenario.ActionSpace.MaxCandidates)
                throw new InputException($"{path}: the policy's shape ({features} features, {globals} globals, {maxCandidates} candidates) does not fit scenario '{scenarioName}'");
            var policy = new CandidatePolicy(features, globals, maxCandidates, hidden);
            Decode(Get<string>(doc, "scorer", path), policy.Scorer.Parameters, path, "scorer");
            Decode(Get<string>(doc, "value", path), policy.Value.Parameters, path, "value");
            CandidatePolicy.ThrowIfNotFinite(policy.Scorer.Parameters, "policy");
            var mode = Get<string>(doc, "mode", path) switch
            {
                "online" => InformationMode.Online,
                "buffered" => InformationMode.Buffered,
                var m => throw new InputException($"{path}: unknown mode '{m}'"),
            };
            var weights = doc["cost_weights"].Deserialize<CostWeights>() ?? throw new InputException($"{path}: missing cost_weights");
            var learner = doc["learner"].Deserialize<LearnerOptions>() ?? throw new InputException($"{path}: missing learner");
            // Written since the capacity slack exists; a policy without it was trained with exact capacity.
            double slack = doc["slack"] is { } s ? s.GetValue<double>() : 0;
            if (!BlockCapacity.IsValidSlack(slack)) throw new InputException($"{path}: slack {slack} is not in [0, 1)");
            return new Checkpoint(scenarioName, mode, weights, learner, policy, Get<long>(doc, "trained_batches", path),
                Get<ulong>(doc, "seed", path), Get<string>(doc, "trained_on", path), slack);
        }
        catch (TrainingDivergedException) { throw new InputException($"{path}: the policy holds non-finite weights"); }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new InputException($"{path}: corrupt policy: {e.Message}");
        }
    }

    public ScenarioOptions ScenarioOptions(CostWeights? weights = null, InformationMode? mode = null) =>
        new(mode ?? Mode, weights ?? Weights, Slack: Slack);

    /// <summary>The trained policy as a partitioner (its scenario's rules with the policy at every decision).</summary>
    public Partitioner CreatePartitioner(CostWeights? weights = null, InformationMode? mode = null) =>
        ScenarioRegistry.Create(Scenario).CreatePartitioner(Policy, ScenarioOptions(weights, mode));

    /// <summary>
    /// For the general scenario, the strategy that runs the same rules with the first candidate at every decision
    /// (what the policy's choices are compared with); null for other scenarios.
    /// </summary>
    public string? RulesStrategy(string choice = "first") =>
        Scenario != PartitionerScenario.ScenarioName ? null
        : string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"reserving:slack={Slack},mode={(Mode == InformationMode.Online ? "online" : "buffered")},locality={(Weights.Migration > 0 ? "on" : "off")},choice={choice}");

    private static T Get<T>(JsonObject doc, string name, string path) =>
        doc[name] is { } node ? node.GetValue<T>() : throw new InputException($"{path}: corrupt policy: missing '{name}'");

    private static string Encode(float[] values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return Convert.ToBase64String(bytes);
    }

    private static void Decode(string text, float[] into, string path, string what)
    {
        byte[] bytes;
        try { bytes = Convert.FromBase64String(text); }
        catch (FormatException) { throw new InputException($"{path}: corrupt policy: the {what} weights are not base64"); }
        if (bytes.Length != into.Length * sizeof(float))
            throw new InputException($"{path}: corrupt policy: the {what} network has {bytes.Length / 4} weights, expected {into.Length}");
        Buffer.BlockCopy(bytes, 0, into, 0, bytes.Length);
    }
}
