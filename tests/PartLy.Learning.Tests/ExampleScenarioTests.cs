using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;
using PartLy.Core.Streams;
using PartLy.Learning.Algorithms;
using PartLy.Learning.Rl;
using PartLy.Learning.Scenarios;
using PartLy.Learning.Tests.Examples;
using PartLy.Learning.Training;

namespace PartLy.Learning.Tests;

public class ExampleScenarioTests
{
    [Fact]
    public void The_documented_scenario_registers_trains_and_routes()
    {
        ScenarioRegistry.Register("least-loaded-or-hash", () => new LeastLoadedOrHash());
        var options = new TrainingOptions("least-loaded-or-hash", InformationMode.Online, new CostWeights(), new LearnerOptions(EpisodesPerUpdate: 4), 12, 5);
        var trainer = new Trainer(options);
        using var feed = new SourceFeed(() => new SyntheticSource("zipf", 1000, 1.2, 20_000, 2), new BatchPolicy.ByCount(500), 10);
        var checkpoint = trainer.Run(feed, "test");
        Assert.Equal(12, checkpoint.TrainedBatches);
        var partitioner = checkpoint.CreatePartitioner();
        var keys = Enumerable.Range(0, 500).Select(i => i % 37).ToArray();
        var blocks = new int[keys.Length];
        partitioner.Partition(new BatchContext(0, 10, keys.Length), keys, blocks);
        Assert.All(blocks, b => Assert.InRange(b, 0, 9));
        for (int i = 0; i < keys.Length; i++)
            Assert.Equal(blocks[keys[i]], blocks[i]);
    }

    [Fact]
    public void The_architecture_page_shows_the_example_as_compiled()
    {
        string root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));
        string example = File.ReadAllText(Path.Combine(root, "tests/PartLy.Learning.Tests/Examples/LeastLoadedOrHash.cs")).Trim().ReplaceLineEndings("\n");
        string page = File.ReadAllText(Path.Combine(root, "docs/architecture.md")).ReplaceLineEndings("\n");
        Assert.Contains("```csharp\n" + example + "\n```", page);
    }
}
