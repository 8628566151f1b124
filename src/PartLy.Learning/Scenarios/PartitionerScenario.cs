using PartLy.Core.Hashing;
using PartLy.Core.Partitioning;
using PartLy.Learning.Rl;

namespace PartLy.Learning.Scenarios;

/// <summary>
/// The general partitioner scenario: one agent places the fragments of hot keys, for any P. A key is hot when it is
/// expected (from earlier batches online, from the batch's counts buffered) or seen to send at least three quarters of a
/// block's capacity in this batch. Every key with an open fragment holds what it is expected still to send against
/// that block (online its share of the tuples left, buffered its remaining count), so free room means capacity minus
/// load minus what the block's keys will still send. Reservations keep room for the hottest keys: buffered, the world
/// lays out every hot key's count before the batch; online, a key expected to send more than its first block's room
/// plus a quarter of a block reserves whole blocks for it at its first decision, rounded up from a quarter of a block,
/// and gives back, as the batch goes on, what it is no longer expected to send (<see cref="PartitionWorld.ReserveAhead"/>).
/// A hot key keeps its block while the block has room for it (online, it stops short of what the block's other keys
/// will still send, instead of filling the block and splitting them), then moves on to its next reserved block
/// without a decision. Otherwise the agent picks among up to seven candidates: the next block of its reservation, a
/// block that held the key in the last batch, the block with the most free room, the block that fits its expected
/// remainder most tightly, its two hash choices, and the least loaded block. One shared network scores each candidate
/// from scale-free features, so the policy does not depend on P. Cold keys need no decision: they take the block with
/// the most free room (when migration is charged, last batch's block while its free room holds their expected tuples;
/// in a stream whose new keys come in bursts, as words do, a key expected to send nothing more takes the least loaded
/// block, since a burst needs room now rather than room net of what other keys send over the rest of the batch).
/// </summary>
public sealed class PartitionerScenario : IScenario
{
    public const string ScenarioName = "partitioner";
    public const int FeatureCount = 11;
    public const int MaxCandidates = 7;
    public const string Agent = "partitioner_0";

    public string Name => ScenarioName;
    public IReadOnlyList<string> Agents { get; } = [Agent];
    public CandidateSpace ActionSpace { get; } = new(MaxCandidates, FeatureCount);
    public int GlobalFeatures => 6;

    public PartitionWorld MakeWorld(ScenarioOptions options) => new(options.Mode, options.Weights, options.Cost, options.Slack);

    public void ResetWorld(PartitionWorld world) { }

    public bool Advance(PartitionWorld world)
    {
        int[] keys = world.Keys, loads = world.Loads;
        int capacity = 0, hotThreshold = 0;
        while (world.Cursor < world.Tuples)
        {
            int i = world.Cursor, key = keys[i];
            int c = world.Capacity(i);
            if (c != capacity) { capacity = c; hotThreshold = (int)Math.Ceiling(PartitionWorld.HotFraction * c); }
            world.Touch(key);
            ref var state = ref world.Key(key);
            int block = state.Block;
            bool hot = state.Seen + state.Remaining >= hotThreshold;
            if (block >= 0 && loads[block] < capacity && (!hot || OwnsRoom(world, key, block, capacity)))
            {
                world.Place(block);
                continue;
            }
            if (hot)
            {
                // A key with a reservation moves on to its next reserved block without a decision.
                if (block >= 0) world.ReleasePlanned(key, block);
                int planned = block >= 0 ? world.PlannedBlock(key, capacity) : -1;
                if (planned < 0) return true;
                OpenHotFragment(world, key, planned, capacity);
                world.Place(planned);
                continue;
            }
            int expected = Math.Max(state.Remaining, 1);
            int last = state.LastBlock - 1;
            int target = world.Weights.Migration > 0 && block < 0 && last >= 0 && last < world.Partitions && loads[last] < capacity && world.Free(last, capacity) >= expected
                ? last
                : block < 0 && state.Remaining == 0 && world.NewKeysBurst ? world.LeastLoaded() : world.Roomiest(capacity);
            world.OpenFragment(key, target, commitCount: true);
            world.Place(target);
        }
        return false;
    }

    /// <summary>
    /// Whether a hot key keeps its block. Online, while the block has room for it beyond what the block's other keys
    /// are expected still to send (else filling it would split them), or when it was given the block without such
    /// room (it then fills it to capacity). Buffered, where reservations are exact, while its reservation there lasts
    /// or the block has unreserved room.
    /// </summary>
    private static bool OwnsRoom(PartitionWorld world, int key, int block, int capacity) =>
        world.Mode == InformationMode.Online
            ? world.Key(key).FillsBlock || world.RoomFor(key, block, capacity) > 0
            : !world.HasPlan(key) || world.PlannedQuota(key, block) > 0 || world.Free(block, capacity) > 0;

    public void Observe(string agent, PartitionWorld world, Observation observation)
    {
        int i = world.Cursor, key = world.Keys[i], p = world.Partitions;
        int capacity = world.Capacity(i);
        int remaining = Math.Max(world.Key(key).Remaining, 1);
        int last = world.LastBatchBlock(key, capacity);
        world.CandidateCount = 0;
        int planned = world.PlannedBlock(key, capacity);
        if (planned >= 0) world.AddCandidate(planned);
        if (last >= 0) world.AddCandidate(last);
        world.AddCandidate(world.Roomiest(capacity));
        int fit = world.BestFit(remaining, capacity);
        if (fit >= 0) world.AddCandidate(fit);
        int h0 = Murmur3.Candidate(key, 0, p), h1 = Murmur3.Candidate(key, 1, p);
        if (world.Loads[h0] < capacity) world.AddCandidate(h0);
        if (world.Loads[h1] < capacity) world.AddCandidate(h1);
        world.AddCandidate(world.LeastLoaded());

        observation.Count = world.CandidateCount;
        for (int n = 0; n < world.CandidateCount; n++)
        {
            int b = world.Candidates[n];
            DescribeBlock(observation.Row(n), world, key, b, capacity, remaining, hashChoice: b == h0 || b == h1, planned: b == planned);
        }
        if (observation.NeedsGlobals) FillGlobals(world, key, capacity, observation.Global);
    }

    /// <summary>
    /// The scale-free features of putting the key at the cursor on a block: its load and free room relative to
    /// capacity, the key's expected remainder and whether it fits, locality (held the key last batch, holds it now),
    /// whether it is one of the key's hash choices, its distinct keys relative to the mean, batch progress, the key's
    /// fragments so far relative to P, and whether it is the key's reserved block.
    /// </summary>
    public static void DescribeBlock(Span<float> row, PartitionWorld world, int key, int block, int capacity, int remaining, bool hashChoice, bool planned)
    {
        float perCapacity = 1f / capacity;
        float free = (float)world.Free(block, capacity);
        row[0] = world.Loads[block] * perCapacity;
        row[1] = free * perCapacity;
        row[2] = remaining * perCapacity;
        row[3] = (free - remaining) * perCapacity;
        row[4] = world.HeldLastBatch(key, block) ? 1 : 0;
        row[5] = hashChoice ? 1 : 0;
        row[6] = world.Holds(key, block) ? 1 : 0;
        row[7] = world.Distinct[block] / ((float)world.DistinctTotal / world.Partitions + 1);
        row[8] = (float)world.Cursor / world.ExpectedTuples;
        row[9] = world.Key(key).Fragments / (float)world.Partitions;
        row[10] = planned ? 1 : 0;
    }

    internal static void FillGlobals(PartitionWorld world, int key, int capacity, float[] globals)
    {
        int p = world.Partitions, maxLoad = 0;
        double free = 0;
        long committed = 0;
        for (int b = 0; b < p; b++)
        {
            maxLoad = Math.Max(maxLoad, world.Loads[b]);
            free += world.Free(b, capacity);
            committed += world.Committed[b];
        }
        float c = capacity;
        globals[0] = (float)world.Cursor / world.ExpectedTuples;
        globals[1] = maxLoad / c;
        globals[2] = (float)(free / (c * p));
        globals[3] = world.Key(key).Remaining / c;
        globals[4] = world.ExtraFragments / (float)p;
        globals[5] = committed / (c * p);
    }

    public void Act(string agent, PartitionWorld world, int action)
    {
        if ((uint)action >= (uint)world.CandidateCount)
            throw new ArgumentOutOfRangeException(nameof(action), $"action {action} is not among the {world.CandidateCount} candidates");
        int key = world.Keys[world.Cursor], block = world.Candidates[action];
        int capacity = world.Capacity(world.Cursor);
        world.ReserveAhead(key, block, capacity);
        OpenHotFragment(world, key, block, capacity);
        world.Place(block);
    }

    /// <summary>Opens a hot key's fragment; given a block without room for it, the key fills that block to capacity.</summary>
    private static void OpenHotFragment(PartitionWorld world, int key, int block, int capacity)
    {
        world.OpenFragment(key, block, commitCount: true);
        world.Key(key).FillsBlock = world.RoomFor(key, block, capacity) <= 0;
    }

    public double Reward(string agent, PartitionWorld world) => -world.Cost;
}
