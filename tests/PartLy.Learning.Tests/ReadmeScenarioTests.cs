using PartLy.Core.Hashing;
using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;
using PartLy.Core.Streams;
using PartLy.Learning.Rl;
using PartLy.Learning.Scenarios;
using PartLy.Learning.Training;

namespace PartLy.Learning.Tests;

/// <summary>The scenario of the README's "Adding a scenario" example, verbatim.</summary>
public sealed class LeastLoadedOrHash : IScenario          // every key chooses: its hash block or the least loaded
{
    public string Name => "least-loaded-or-hash";
    public IReadOnlyList<string> Agents { get; } = ["partitioner_0"];
    public CandidateSpace ActionSpace { get; } = new(2, PartitionerScenario.FeatureCount);
    public int GlobalFeatures => 6;
    public PartitionWorld MakeWorld(ScenarioOptions o) => new(o.Mode, o.Weights, o.Cost);
    public void ResetWorld(PartitionWorld world) { }
    public bool Advance(PartitionWorld world)                // place tuples until a key needs a decision
    {
        while (world.Cursor < world.Tuples)
        {
            int key = world.Keys[world.Cursor];
            if (world.Touch(key)) return true;               // first tuple of the key in this batch
            world.Place(world.Key(key).Block);
        }
        return false;
    }
    public void Observe(string agent, PartitionWorld world, Observation o)
    {
        int key = world.Keys[world.Cursor], c = world.Capacity(world.Cursor);
        world.CandidateCount = 0;
        world.AddCandidate(Murmur3.Candidate(key, 0, world.Partitions));
        world.AddCandidate(world.LeastLoaded());
        o.Count = world.CandidateCount;
        for (int n = 0; n < o.Count; n++) { o.Row(n).Clear(); o.Row(n)[0] = world.Loads[world.Candidates[n]] / (float)c; }
        if (o.NeedsGlobals) PartitionerScenario.FillGlobals(world, key, c, o.Global);
    }
    public void Act(string agent, PartitionWorld world, int action)
    {
        int key = world.Keys[world.Cursor], block = world.Candidates[action];
        world.OpenFragment(key, block, commitCount: false);
        world.Place(block);
    }
    public double Reward(string agent, PartitionWorld world) => -world.Cost;
}

public class ReadmeScenarioTests
{
    [Fact]
    public void The_readme_scenario_registers_trains_and_routes()
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
}
