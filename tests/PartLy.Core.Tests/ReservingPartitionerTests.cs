using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;
using PartLy.Core.Partitioning.Reserving;
using PartLy.Core.Streams;

namespace PartLy.Core.Tests;

/// <summary>The reserving partitioner's rules, white box: reservations, room, locality, bursts, capacity.</summary>
public class ReservingPartitionerTests
{
    /// <summary>
    /// Batch b of a stream where key 1 sends every seventh tuple (a seventh of the batch, cold at P = 4) and every other
    /// key is new, sending <paramref name="burst"/> tuples in a row.
    /// </summary>
    private static int[] NewKeysBatch(int b, int burst)
    {
        var keys = new int[1000];
        for (int i = 0; i < keys.Length; i++) keys[i] = i % 7 == 0 ? 1 : 10_000 + b * 1000 + i / burst;
        return keys;
    }

    [Fact]
    public void Online_a_key_expected_to_fill_several_blocks_reserves_them_and_other_keys_stay_off()
    {
        var world = new ReservingWorld(InformationMode.Online, new CostWeights());
        // Batch 0 teaches the world that key 7 sends half of a batch; in batch 1 it is expected to send 500 of 1,000
        // tuples over P = 10 blocks of capacity 100: its first block and four whole blocks more.
        var keys = new int[1000];
        for (int i = 0; i < keys.Length; i++) keys[i] = i % 2 == 0 ? 7 : 100 + i;
        BatchMetrics metrics = default;
        for (int batch = 0; batch < 2; batch++)
        {
            world.BeginBatch(keys, 10, 1000, batch);
            while (world.Partitioner.AdvanceToDecision())
            {
                int key = world.Keys[world.Cursor];
                world.Partitioner.Decide(0);
                if (batch == 1 && key == 7 && world.Key(7).Fragments == 1 && world.Key(7).Seen == 1)
                {
                    Assert.True(world.HasPlan(7));
                    int reserved = 0;
                    for (int b = 0; b < 10; b++)
                        if (b != world.Key(7).Block && world.PlannedQuota(7, b) == 100) { reserved++; Assert.Equal(0, world.Free(b, 100)); }
                    Assert.Equal(4, reserved);
                }
            }
            metrics = world.EndBatch();
        }
        // The other keys went to the blocks nobody reserved: key 7's blocks hold key 7 and at most the overflow.
        int blocksWithKey7Only = 0;
        for (int b = 0; b < 10; b++)
        {
            bool others = false;
            for (int i = 0; i < keys.Length; i++) others |= world.Blocks[i] == b && keys[i] != 7;
            if (!others) blocksWithKey7Only++;
        }
        Assert.True(blocksWithKey7Only >= 4, $"{blocksWithKey7Only} blocks hold key 7 alone");
        Assert.Equal(0.0, metrics.SizeImbalance, 12);
    }

    [Fact]
    public void Buffered_the_greedy_fill_layout_lands_where_its_keys_were_last_batch()
    {
        // Key 7 sends 200 of 400 tuples, key 8 sends 100, the rest once each; P = 4 blocks of capacity 100. Batch 0
        // puts key 7 on blocks 2 and 3 and key 8 on block 1; the fill lays key 7 out first, on its first two blocks.
        var keys = new int[400];
        for (int i = 0; i < keys.Length; i++) keys[i] = i % 2 == 0 ? 7 : i % 4 == 1 ? 8 : 1000 + i;
                var world = new ReservingWorld(InformationMode.Buffered, new CostWeights());
        world.BeginBatch(keys, 4, keys.Length, 0);
        int seven = 0;
        for (int i = 0; i < keys.Length; i++) world.Place(keys[i] switch { 7 => seven++ < 100 ? 2 : 3, 8 => 1, _ => 0 });
        world.EndBatch();

        world.BeginBatch(keys, 4, keys.Length, 1);
        Assert.Equal(100, world.PlannedQuota(7, 2));
        Assert.Equal(100, world.PlannedQuota(7, 3));
        Assert.Equal(100, world.PlannedQuota(8, 1));
        var metrics = world.PlayFirst();
        Assert.Equal(new HashSet<int> { 2, 3 }, world.BlocksOf(7));
        Assert.Equal(new HashSet<int> { 1 }, world.BlocksOf(8));
        Assert.Equal(0.0, metrics.SizeImbalance, 12);
        Assert.Equal(0.0, metrics.MigrationFraction, 12);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    public void Online_with_migration_charged_a_key_reserves_the_blocks_that_held_it_last_batch(double migration)
    {
        // Key 7 sends half of 1,000 tuples over P = 10 blocks of capacity 100; batch 0 puts it on blocks 5 to 9.
        var keys = new int[1000];
        for (int i = 0; i < keys.Length; i++) keys[i] = i % 2 == 0 ? 7 : 100 + i;
                var world = new ReservingWorld(InformationMode.Online, new CostWeights(Migration: migration));
        world.BeginBatch(keys, 10, keys.Length, 0);
        for (int i = 0; i < keys.Length; i++) world.Place(keys[i] == 7 ? 5 + i / 200 : i / 200);
        world.EndBatch();

        world.BeginBatch(keys, 10, keys.Length, 1);
        var metrics = world.PlayFirst();
        var held = world.BlocksOf(7);
        Assert.Equal(0.0, metrics.SizeImbalance, 12);
        // Its first block is the last batch's (the first candidate); the four reserved ones follow the charge.
        if (migration > 0) Assert.Equal(new HashSet<int> { 5, 6, 7, 8, 9 }, held);
        else Assert.NotEqual(new HashSet<int> { 5, 6, 7, 8, 9 }, held);
    }

    [Fact]
    public void With_migration_charged_a_cold_key_does_not_return_to_a_block_reserved_for_another()
    {
        // Buffered: key 7 (300 of 400 tuples) is laid out over blocks 0 to 2, then renamed onto blocks 1 to 3, where it
        // was; key 9 (two tuples) was on block 1 last batch, but block 1 is now reserved whole for key 7.
        var keys = new int[400];
        for (int i = 0; i < keys.Length; i++) keys[i] = i % 4 != 0 ? 7 : i < 8 ? 9 : 1000 + i;
                var world = new ReservingWorld(InformationMode.Buffered, new CostWeights(Migration: 1));
        world.BeginBatch(keys, 4, keys.Length, 0);
        int seven = 0;
        for (int i = 0; i < keys.Length; i++) world.Place(keys[i] switch { 7 => 1 + seven++ / 100, 9 => 1, _ => 0 });
        world.EndBatch();

        world.BeginBatch(keys, 4, keys.Length, 1);
        Assert.Equal(100, world.PlannedQuota(7, 1));
        var metrics = world.PlayFirst();
        Assert.Equal(new HashSet<int> { 1, 2, 3 }, world.BlocksOf(7));
        Assert.Equal(new HashSet<int> { 0 }, world.BlocksOf(9));
        Assert.Equal(0.0, metrics.SizeImbalance, 12);
    }

    [Theory]
    [InlineData(4, true)]
    [InlineData(1, false)]
    public void A_world_learns_whether_new_keys_come_in_bursts(int burst, bool bursts)
    {
        var world = new ReservingWorld(InformationMode.Online, new CostWeights());
        for (int b = 0; b < 8; b++)
        {
            world.BeginBatch(NewKeysBatch(b, burst), 4, 1000, b);
            for (int i = 0; i < 1000; i++) world.Place(i % 4);
            world.EndBatch();
        }
        world.BeginBatch(NewKeysBatch(8, burst), 4, 1000, 8);
        Assert.Equal(bursts, world.NewKeysBurst);
    }

    [Fact]
    public void When_new_keys_burst_a_key_expected_to_send_nothing_more_takes_the_least_loaded_block()
    {
        var world = new ReservingWorld(InformationMode.Online, new CostWeights());
        for (int b = 0; b < 8; b++)
        {
            world.BeginBatch(NewKeysBatch(b, 4), 4, 1000, b);
            world.PlayFirst();
        }
        var keys = NewKeysBatch(8, 4);
        world.BeginBatch(keys, 4, 1000, 8);
        Assert.True(world.NewKeysBurst);
        world.PlayFirst();
        var loads = new int[4];
        var seen = new HashSet<int>();
        // Each new key's first tuple lands on a least loaded block, even the one where key 1 is still expected.
        for (int i = 0; i < keys.Length; i++)
        {
            if (keys[i] != 1 && seen.Add(keys[i])) Assert.Equal(loads.Min(), loads[world.Blocks[i]]);
            loads[world.Blocks[i]]++;
        }
    }

    [Theory]
    [InlineData(1000, 10, 0.0, 100)]
    [InlineData(1001, 10, 0.0, 101)]
    [InlineData(1000, 10, 0.01, 101)]
    [InlineData(10000, 10, 0.01, 1010)]
    [InlineData(1000, 50, 0.01, 20)]
    public void Capacity_takes_the_slack_but_never_rounds_it_up(int tuples, int partitions, double slack, int capacity) =>
        Assert.Equal(capacity, BlockCapacity.Of(tuples, partitions, slack));

    [Fact]
    public void Online_a_block_expects_its_keys_share_of_the_tuples_left()
    {
        var keys = new int[1000];
        for (int i = 0; i < keys.Length; i++) keys[i] = i % 10 == 0 ? 1 : 1000 + i;
        var world = ReservingWorld.Taught(keys, 4);
        world.Touch(1);
        world.OpenFragment(1, 2);
        Assert.Equal(0.1 * 1000, world.Expected(2), 3);
        Assert.Equal(250 - 0.1 * 1000, world.Free(2, 250), 3);
        world.Place(2);
        Assert.Equal(0.1 * 999, world.Expected(2), 3);
        Assert.Equal(250 - 1 - 0.1 * 999, world.Free(2, 250), 3);
        foreach (int block in new[] { 0, 0, 1, 1, 3, 3 }) world.Place(block);
        // Block 2 has the least load but expects key 1's tuples: a cold key goes to the first of the others.
        Assert.Equal(0, world.Roomiest(250));
        world.OpenFragment(1, 3);
        Assert.Equal(0, world.Expected(2), 9);
        Assert.Equal(0.1 * 993, world.Expected(3), 3);
        Assert.Equal(2, world.Roomiest(250));
    }

    [Fact]
    public void Online_a_reservation_rounds_a_remainder_up_and_gives_back_what_the_key_will_not_send()
    {
        // Key 7 sends 0.43 of a batch: 430 of 1,000 tuples over blocks of 100, its first block and 3.3 blocks more.
        var keys = new int[1000];
        for (int i = 0; i < keys.Length; i++) keys[i] = i % 100 < 43 ? 7 : 1000 + i;
        var world = ReservingWorld.Taught(keys, 10);
        world.Touch(7);
        world.ReserveAhead(7, 0, 100);
        world.OpenFragment(7, 0);
        int Reserved() => Enumerable.Range(0, 10).Sum(b => world.PlannedQuota(7, b));
        // A remainder of 30 tuples (over a quarter of a block) takes a fourth whole block.
        Assert.Equal(500, Reserved());
        Assert.Equal(4, Enumerable.Range(1, 9).Count(b => world.PlannedQuota(7, b) == 100));
        // Its first tuple: 429 more expected of the 999 tuples left; it keeps √429 / 2 above that, the rest goes back.
        world.Place(0);
        double expected = 0.43 * 999;
        Assert.Equal((int)Math.Ceiling(expected + 0.5 * Math.Sqrt(expected)), Reserved());
        // Its furthest block gave the room back: other keys may use it.
        int furthest = Enumerable.Range(1, 9).Where(b => world.PlannedQuota(7, b) > 0).Min(b => world.PlannedQuota(7, b));
        Assert.InRange(furthest, 1, 99);
    }

    [Fact]
    public void Online_a_key_beyond_its_reservation_holds_its_share_of_the_tuples_left()
    {
        var keys = new int[1000];
        for (int i = 0; i < keys.Length; i++) keys[i] = i % 2 == 0 ? 7 : 1000 + i;
        var world = ReservingWorld.Taught(keys, 10);
        world.Touch(7);
        // Key 7 is expected to send 500 tuples: block 0 and four whole blocks of 100 hold them.
        world.ReserveAhead(7, 0, 100);
        world.OpenFragment(7, 0);
        Assert.Equal(0, world.Expected(0), 9);
        int beyond = Enumerable.Range(0, 10).First(b => world.PlannedQuota(7, b) == 0);
        // Where the plan did not foresee it, the block expects its share, as for a key without a reservation.
        world.OpenFragment(7, beyond);
        Assert.Equal(0.5 * 1000, world.Expected(beyond), 3);
        Assert.Equal(100 - 0.5 * 1000, world.Free(beyond, 100), 3);
    }

    [Fact]
    public void Online_a_hot_key_leaves_room_for_what_its_blocks_other_keys_still_send()
    {
        // Key 8 sends every twentieth tuple (50 of 1,000, cold at capacity 250), key 7 every other tuple (500, hot).
        var keys = new int[1000];
        for (int i = 0; i < keys.Length; i++) keys[i] = i % 20 == 0 ? 8 : i % 2 == 1 ? 7 : 1000 + i;
                // Key 7's last tuple of batch 0 lands on block 0, where key 8 (arriving first) settles in batch 1.
        var world = ReservingWorld.Taught(keys, 4, shift: 1);
        int key8Block = -1;
        while (world.Partitioner.AdvanceToDecision())
        {
            var candidates = world.Partitioner.Candidates;
            int key = world.Keys[world.Cursor], action = 0;
            key8Block = world.Key(8).Block;
            // Key 7's first decision: put it where key 8 is; later ones: the block with the most room for it.
            for (int n = 0; n < candidates.Length; n++)
                if (world.Key(7).Fragments == 0
                        ? candidates[n] == key8Block
                        : world.RoomFor(key, candidates[n], 250) > world.RoomFor(key, candidates[action], 250))
                    action = n;
            world.Partitioner.Decide(action);
        }
        Assert.Equal(0, key8Block);
        var metrics = world.EndBatch();
        int key7There = 0;
        var key8Blocks = new HashSet<int>();
        for (int i = 0; i < keys.Length; i++)
        {
            if (keys[i] == 7 && world.Blocks[i] == key8Block) key7There++;
            if (keys[i] == 8) key8Blocks.Add(world.Blocks[i]);
        }
        // Filling the block to capacity would have split key 8 (key 7 arrives ten times faster); it stops short.
        Assert.InRange(key7There, 1, 250 - 50);
        Assert.Single(key8Blocks);
        Assert.Equal(0.0, metrics.SizeImbalance, 12);
    }

    [Fact]
    public void The_roomiest_block_is_the_first_of_the_most_room_with_and_without_simd()
    {
        var rng = new SplitMix64(9);
        foreach (int p in new[] { 8, 10, 50, 64 })
        {
            int padded = (p + 7) & ~7;
            for (int trial = 0; trial < 200; trial++)
            {
                var room = new float[padded];
                var shares = new float[padded];
                Array.Fill(room, -1e30f);
                for (int b = 0; b < p; b++)
                {
                    room[b] = rng.NextInt(5) == 0 ? -1e30f : rng.NextInt(40);
                    shares[b] = rng.NextInt(3) == 0 ? 0 : rng.NextInt(8) / 100f;
                }
                float slope = -rng.NextInt(300);
                int expected = 0;
                float best = float.NegativeInfinity;
                for (int b = 0; b < padded; b++)
                {
                    float v = room[b] + shares[b] * slope;
                    if (v > best) { best = v; expected = b; }
                }
                Assert.Equal(expected, RoomArgmax.Of(room, shares, slope));
            }
        }
    }
}
