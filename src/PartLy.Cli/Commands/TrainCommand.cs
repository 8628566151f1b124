using System.ComponentModel;
using System.Globalization;
using PartLy.Core.Bench;
using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;
using PartLy.Core.Streams;
using PartLy.Learning;
using PartLy.Learning.Rl;
using PartLy.Learning.Scenarios;
using PartLy.Learning.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace PartLy.Cli.Commands;

public sealed class TrainSettings : StreamSettings
{
    [CommandOption("--scenario <NAME>")]
    [Description("partitioner (general: splits hot keys over any blocks, any P) or partitioner-pk2 (the seed's assign-or-split over two candidates).")]
    [DefaultValue(PartitionerScenario.ScenarioName)]
    public string Scenario { get; init; } = PartitionerScenario.ScenarioName;

    [CommandOption("--mode <MODE>")]
    [Description("online (decide before the batch's counts are known) or buffered.")]
    [DefaultValue("online")]
    public string Mode { get; init; } = "online";

    [CommandOption("--batches <N>")]
    [Description("Training batches (one episode each).")]
    [DefaultValue(20_000)]
    public int Batches { get; init; } = 20_000;

    [CommandOption("--test-batches <N>")]
    [Description("Test batches for the final table.")]
    [DefaultValue(1_000)]
    public int TestBatches { get; init; } = 1_000;

    [CommandOption("--train-skews <LIST>")]
    [Description("Zipf exponents of the training mix (ignored when --workload or --trace is given: then training uses that stream).")]
    [DefaultValue("0.8,1.0,1.5,2.0")]
    public string TrainSkews { get; init; } = "0.8,1.0,1.5,2.0";

    [CommandOption("--train-partitions <LIST>")]
    [Description("P values of the training mix.")]
    [DefaultValue("10,50")]
    public string TrainPartitions { get; init; } = "10,50";

    [CommandOption("--keys <N>")]
    [Description("Keys of the training mix's Zipf streams.")]
    [DefaultValue(10_000)]
    public int Keys { get; init; } = 10_000;

    [CommandOption("--segment <N>")]
    [Description("Batches per stream in the training mix before a new stream (skew, P, seed) starts.")]
    [DefaultValue(100)]
    public int Segment { get; init; } = 100;

    [CommandOption("--algo <NAME>")]
    [Description("ppo or reinforce.")]
    [DefaultValue("ppo")]
    public string Algorithm { get; init; } = "ppo";

    [CommandOption("--lr <RATE>")]
    [DefaultValue(3e-4)]
    public double LearningRate { get; init; } = 3e-4;

    [CommandOption("--episodes-per-update <N>")]
    [DefaultValue(32)]
    public int EpisodesPerUpdate { get; init; } = 32;

    [CommandOption("--hidden <N>")]
    [Description("Width of the policy network's hidden layers.")]
    [DefaultValue(16)]
    public int Hidden { get; init; } = 16;

    [CommandOption("--cost-weights <WEIGHTS>")]
    [Description("What the reward charges: imbalance=1,replication=1,cardinality=0,migration=0.")]
    [DefaultValue("imbalance=1,replication=1,cardinality=0,migration=0")]
    public string CostWeights { get; init; } = "imbalance=1,replication=1,cardinality=0,migration=0";

    [CommandOption("--out <DIR>")]
    [Description("Where the policy, learning curve and test report go (default runs/SCENARIO-MODE-seedSEED).")]
    public string? Out { get; init; }

    [CommandOption("--quiet")]
    public bool Quiet { get; init; }
}

public sealed class TrainCommand : Command<TrainSettings>
{
    public override int Execute(CommandContext context, TrainSettings s, CancellationToken cancellationToken)
    {
        s.Check();
        var mode = ParseMode(s.Mode);
        var weights = PartLy.Learning.Scenarios.CostWeights.Parse(s.CostWeights);
        ScenarioRegistry.Create(s.Scenario);
        if (s.TestBatches < 1) throw new InputException($"--test-batches must be at least 1, got {s.TestBatches}");
        if (s.Hidden < 1) throw new InputException($"--hidden must be at least 1, got {s.Hidden}");
        var learner = new LearnerOptions(Algorithm: s.Algorithm.ToLowerInvariant(), LearningRate: s.LearningRate, EpisodesPerUpdate: s.EpisodesPerUpdate, Hidden: s.Hidden);
        string outDir = s.Out ?? Path.Combine("runs", $"{s.Scenario}-{s.Mode.ToLowerInvariant()}-seed{s.Seed}");
        var policy = s.ParseBatch();
        using var feed = OpenTrainingFeed(s, policy, out string trainedOn);
        var trainer = new Trainer(new TrainingOptions(s.Scenario, mode, weights, learner, s.Batches, s.Seed));

        AnsiConsole.MarkupLine($"[bold]train[/] {Markup.Escape(s.Scenario)} ({mode.ToString().ToLowerInvariant()}, {trainer.Policy.Scorer.Parameters.Length + trainer.Policy.Value.Parameters.Length} weights, {learner.Algorithm}) on {Markup.Escape(trainedOn)}: {s.Batches:N0} batches");
        var episodes = new List<EpisodeRecord>(s.Batches);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Checkpoint checkpoint;
        try
        {
            checkpoint = ProgressDisplay.Run(s.Quiet, s.Batches, "train", "batches", progress =>
                trainer.Run(feed, trainedOn, e =>
                {
                    episodes.Add(e);
                    if (episodes.Count % 50 == 0)
                    {
                        int from = Math.Max(0, episodes.Count - 200);
                        double reward = 0, imbalance = 0;
                        for (int i = from; i < episodes.Count; i++) { reward += episodes[i].Reward; imbalance += episodes[i].Imbalance; }
                        int n = episodes.Count - from;
                        progress.Detail(string.Create(CultureInfo.InvariantCulture, $"reward {reward / n:F3} λ {imbalance / n:F3}"));
                    }
                    progress.Advance(1);
                }, cancellationToken));
        }
        catch (TrainingDivergedException e)
        {
            Console.Error.WriteLine($"error: training diverged after {episodes.Count} batches: {e.Message}. No policy was written.");
            return 3;
        }
        double seconds = clock.Elapsed.TotalSeconds;
        Directory.CreateDirectory(outDir);
        string policyPath = Path.Combine(outDir, "policy.json");
        checkpoint.Save(policyPath);
        LearningCurve.WriteCsv(episodes, Path.Combine(outDir, "learning-curve.csv"));
        LearningCurve.WritePng(episodes, Path.Combine(outDir, "learning-curve.png"), $"PartLy {s.Scenario} ({s.Mode}) on {trainedOn}");
        if (cancellationToken.IsCancellationRequested)
        {
            AnsiConsole.MarkupLine($"[yellow]stopped after {checkpoint.TrainedBatches:N0} batches[/]; policy so far: {Markup.Escape(policyPath)}");
            return 130;
        }
        AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"trained {s.Batches:N0} batches in {seconds:F1} s ({s.Batches / seconds:F0} batches/s); policy: {Markup.Escape(policyPath)}"));

        var entries = new List<BenchEntry> { new("learned", checkpoint.CreatePartitioner()) };
        entries.AddRange(StrategyList.Parse(null));
        using var testSource = OpenTestSource(s, policy);
        var report = ProgressDisplay.Run(s.Quiet, null, "test", "tuples",
            progress => BenchRunner.Run(testSource, policy, s.Partitions, entries, CostModel.Default, s.Seed, progress.Advance, cancellationToken));
        ReportTable.Write(report);
        ReportWriter.WriteJson(report, Path.Combine(outDir, "test.json"));
        ReportWriter.WriteCsv(report, Path.Combine(outDir, "test.csv"));
        AnsiConsole.MarkupLine($"wrote {Markup.Escape(outDir)}/policy.json, learning-curve.png, learning-curve.csv, test.json, test.csv");
        return 0;
    }

    internal static InformationMode ParseMode(string mode) => mode.ToLowerInvariant() switch
    {
        "online" => InformationMode.Online,
        "buffered" => InformationMode.Buffered,
        _ => throw new InputException($"--mode '{mode}' is not one of online, buffered"),
    };

    private static IBatchFeed OpenTrainingFeed(TrainSettings s, BatchPolicy policy, out string description)
    {
        if (s.Workload is not null || s.Trace is not null)
        {
            description = s.Trace is not null ? $"trace {Path.GetFileName(s.Trace)}" : s.Workload!;
            return new SourceFeed(s.OpenSource, policy, s.Partitions);
        }
        var skews = ParseList(s.TrainSkews, "--train-skews", double.Parse);
        var partitions = ParseList(s.TrainPartitions, "--train-partitions", int.Parse);
        if (partitions.Any(p => p < 1)) throw new InputException("--train-partitions: every P must be at least 1");
        if (s.Keys < 1) throw new InputException($"--keys must be at least 1, got {s.Keys}");
        var workloads = skews.Select(z => string.Create(CultureInfo.InvariantCulture, $"zipf:z={z},keys={s.Keys}")).ToList();
        description = $"Zipf z∈{{{s.TrainSkews}}}, P∈{{{s.TrainPartitions}}}, {s.Keys} keys";
        double perBatch = policy is BatchPolicy.ByCount c ? c.Tuples : 1000;
        return new MixedFeed(workloads, partitions, policy, s.Segment, s.Seed, perBatch);
    }

    private static ITupleSource OpenTestSource(TrainSettings s, BatchPolicy policy)
    {
        if (s.Trace is not null) return s.OpenSource();
        string workload = s.Workload ?? StreamSettings.DefaultWorkload;
        double perBatch = policy is BatchPolicy.ByCount c ? c.Tuples : 1000;
        return Workloads.Create(workload, (long)(s.TestBatches * perBatch), s.Seed + 1_000_003, perBatch);
    }

    private static List<T> ParseList<T>(string text, string flag, Func<string, IFormatProvider, T> parse)
    {
        var list = new List<T>();
        foreach (string piece in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            try { list.Add(parse(piece, CultureInfo.InvariantCulture)); }
            catch (FormatException) { throw new InputException($"{flag}: '{piece}' is not a number"); }
        }
        return list.Count > 0 ? list : throw new InputException($"{flag}: empty list");
    }
}
