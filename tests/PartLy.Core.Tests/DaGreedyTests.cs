using PartLy.Core.Partitioning;

using static PartLy.Core.Tests.TestStreams;

namespace PartLy.Core.Tests;

public class DaGreedyTests
{
    // Conservation at P = 1, 7, 50 and determinism: PartitionerTests, over every registered strategy.

    [Fact]
    public void Nothing_is_hot_in_the_first_interval_so_keys_are_hashed_mod_p()
    {
        var keys = Enumerable.Range(0, 100).Select(i => i * 7 % 13).ToArray();
        var blocks = Route(new DaGreedy(window: 1000, slide: 100), keys, 4);
        for (int i = 0; i < keys.Length; i++) Assert.Equal(keys[i] % 4, blocks[i]);
    }

    [Fact]
    public void A_hot_key_stays_on_a_block_that_held_it_until_that_block_carries_twice_the_mean()
    {
        // P = 2, slides of 100: interval 1 (tuples 0-99) hashes; its 100 tuples give the threshold 101 / 200 = 0, so in
        // interval 2 every key is hot. Key 1 (odd: hashed to block 1) sends every tuple of interval 2: it stays on
        // block 1, the block that held it, while 0.5 − 0.5·gap(1) > −0.5·gap(0), that is while block 1 is below twice
        // the mean of the window's load, then moves to block 0.
        var greedy = new DaGreedy(window: 10_000, slide: 100);
        var first = Enumerable.Range(0, 100).Select(i => i % 2 == 0 ? 2 : 1).ToArray();
        Assert.Equal(first.Select(k => k % 2), Route(greedy, first, 2));
        var second = Enumerable.Repeat(1, 100).ToArray();
        var blocks = Route(greedy, second, 2, 1);
        int stay = blocks.TakeWhile(b => b == 1).Count();
        // Loads before the second batch: 50 and 50. Key 1 stays while (50 + n) − m ≤ m with m = (100 + n)/2: n ≤ 100,
        // so it keeps block 1 throughout this batch of 100 tuples.
        Assert.Equal(100, stay);
        var third = Enumerable.Repeat(1, 200).ToArray();
        var later = Route(greedy, third, 2, 2);
        // 150 on block 1 of 200 so far: it stays until block 1 holds 2·mean, (150 + n) = (200 + n) → never strictly above;
        // the first tuple where 0.5 − 0.5·gap(1) < −0.5·gap(0) moves it: gap(1) − gap(0) > 1.
        Assert.Contains(0, later);
        int moved = Array.IndexOf(later, 0);
        double mean = (200 + moved) / 2.0;
        Assert.True((150 + moved - mean) / mean - (50 - mean) / mean >= 1, $"moved after {moved} tuples");
    }
}
