using PartLy.Core.Hashing;
using PartLy.Learning.Rl;

namespace PartLy.Learning.Scenarios;

/// <summary>
/// The seed's scenario: the PK2 cost model. Each key has two hash candidate blocks; at its first tuple in the batch
/// the agent either assigns the key to one of them or splits it between both (each tuple then goes to the less
/// loaded of the two). Reward: the size equality of the blocks (and whatever else the cost weights charge).
/// </summary>
public sealed class Pk2Scenario : IScenario
{
    public const string ScenarioName = "partitioner-pk2";
    public const string Agent = "partitioner_0";
    private const byte Split = 2;

    public string Name => ScenarioName;
    public IReadOnlyList<string> Agents { get; } = [Agent];
    public CandidateSpace ActionSpace { get; } = new(3, PartitionerScenario.FeatureCount);
    public int GlobalFeatures => 6;

    public PartitionWorld MakeWorld(ScenarioOptions options) => new(options.Mode, options.Weights, options.Cost, options.Slack);

    public void ResetWorld(PartitionWorld world) { }

    public bool Advance(PartitionWorld world)
    {
        int p = world.Partitions;
        while (world.Cursor < world.Tuples)
        {
            int key = world.Keys[world.Cursor];
            if (world.Touch(key)) return true;
            if (world.Key(key).Mode == Split)
            {
                int h0 = Murmur3.Candidate(key, 0, p), h1 = Murmur3.Candidate(key, 1, p);
                world.Place(world.Loads[h1] < world.Loads[h0] ? h1 : h0);
            }
            else world.Place(world.Key(key).Block);
        }
        return false;
    }

    public void Observe(string agent, PartitionWorld world, Observation observation)
    {
        int i = world.Cursor, key = world.Keys[i], p = world.Partitions;
        int capacity = world.Capacity(i);
        int remaining = Math.Max(world.Key(key).Remaining, 1);
        int h0 = Murmur3.Candidate(key, 0, p), h1 = Murmur3.Candidate(key, 1, p);
        world.CandidateCount = 0;
        world.AddCandidate(h0);
        bool two = world.AddCandidate(h1);
        for (int n = 0; n < world.CandidateCount; n++)
            PartitionerScenario.DescribeBlock(observation.Row(n), world, key, world.Candidates[n], capacity, remaining, hashChoice: true, planned: false);
        observation.Count = world.CandidateCount;
        if (two)
        {
            // The split action: both candidates at once; feature 9 (a key's fragments, 0 at its first tuple) marks it.
            var a = observation.Row(0);
            var b = observation.Row(1);
            var split = observation.Row(2);
            float c = capacity;
            float free = (float)(world.Free(h0, capacity) + world.Free(h1, capacity));
            split[0] = (a[0] + b[0]) / 2;
            split[1] = free / c;
            split[2] = remaining / c;
            split[3] = (free - remaining) / c;
            split[4] = Math.Max(a[4], b[4]);
            split[5] = 1;
            split[6] = 0;
            split[7] = (a[7] + b[7]) / 2;
            split[8] = a[8];
            split[9] = 1;
            split[10] = 0;
            observation.Count = 3;
        }
        if (observation.NeedsGlobals) PartitionerScenario.FillGlobals(world, key, capacity, observation.Global);
    }

    public void Act(string agent, PartitionWorld world, int action)
    {
        int key = world.Keys[world.Cursor];
        int count = world.CandidateCount == 2 ? 3 : 1;
        if ((uint)action >= (uint)count) throw new ArgumentOutOfRangeException(nameof(action), $"action {action} is not among the {count} actions");
        if (action < world.CandidateCount)
        {
            world.OpenFragment(key, world.Candidates[action], commitCount: false);
            world.Place(world.Candidates[action]);
            return;
        }
        int h0 = world.Candidates[0], h1 = world.Candidates[1];
        world.OpenFragment(key, h0, commitCount: false);
        world.Key(key).Mode = Split;
        world.Place(world.Loads[h1] < world.Loads[h0] ? h1 : h0);
    }

    public double Reward(string agent, PartitionWorld world) => -world.Cost;
}
