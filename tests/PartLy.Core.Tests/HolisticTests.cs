using PartLy.Core.Hashing;
using PartLy.Core.Partitioning;

namespace PartLy.Core.Tests;

public class HolisticTests
{
    // Conservation at P = 1, 7, 50 and determinism: PartitionerTests, over every registered strategy.

    [Fact]
    public void A_head_key_splits_when_its_regional_imbalance_passes_beta_then_takes_the_least_loaded_of_its_table()
    {
        // One key, P = 2. Tuple 1: no load yet, imbalance 0, an empty table takes the hash block h. Tuple 2: the mean
        // load is 0.5 and the table's block holds 1, imbalance 1 > 1%: the least loaded block, 1 − h, joins. Tuple 3:
        // mean 1, the table's blocks hold 1 and 1 (imbalance 0): the least loaded of the table, the first on a tie,
        // block 0. Tuple 4: mean 1.5, table mean (2 + 1) / 2 = 1 (integer, as the code does): block 1. And so on.
        var holistic = new Holistic();
        var keys = Enumerable.Repeat(5, 6).ToArray();
        var blocks = new int[keys.Length];
        holistic.Partition(new BatchContext(0, 2, keys.Length), keys, blocks);
        int h = Murmur3.Candidate(5, 0, 2);
        Assert.Equal(new[] { h, 1 - h, 0, 1, 0, 1 }, blocks);
    }

    [Fact]
    public void Lossy_counting_forgets_rare_keys_at_bucket_ends_and_keeps_frequent_ones()
    {
        // ε = 0.25: buckets of 4 tuples. Key 1 arrives once in bucket 1 and is forgotten at its end (1 + 0 ≤ 1); key 2
        // arrives three times and is kept.
        var counter = new LossyCounter(0.25);
        foreach (int key in new[] { 1, 2, 2, 2 }) counter.Add(key);
        Assert.Equal(1, counter.Add(1));
        Assert.Equal(4, counter.Add(2));
        Assert.Equal(6, counter.Total);
    }
}
