using PartLy.Core.Hashing;
using PartLy.Core.Partitioning;

namespace PartLy.Core.Tests;

public class HashingTests
{
    [Theory]
    [InlineData(0, 0u, 0x2362F9DEu)]
    [InlineData(unchecked((int)0x87654321), 0u, 0xF55B516Bu)]
    [InlineData(unchecked((int)0x87654321), 0x5082EDEEu, 0x2362F9DEu)]
    public void Murmur3_matches_reference_vectors_for_four_byte_keys(int key, uint seed, uint expected) =>
        Assert.Equal(expected, Murmur3.Hash(key, seed));

    [Fact]
    public void Range_maps_onto_every_block_and_nowhere_else()
    {
        var seen = new bool[7];
        for (int k = 0; k < 10_000; k++)
        {
            int b = Murmur3.Candidate(k, 0, 7);
            Assert.InRange(b, 0, 6);
            seen[b] = true;
        }
        Assert.All(seen, Assert.True);
    }

    [Fact]
    public void Flink_default_max_parallelism_follows_its_rule()
    {
        Assert.Equal(128, KeyGroupsPartitioner.DefaultMaxParallelism(10));
        Assert.Equal(128, KeyGroupsPartitioner.DefaultMaxParallelism(50));
        Assert.Equal(256, KeyGroupsPartitioner.DefaultMaxParallelism(100));
        Assert.Equal(32768, KeyGroupsPartitioner.DefaultMaxParallelism(30000));
    }

    [Fact]
    public void Key_groups_place_a_key_by_its_group()
    {
        var keys = new[] { 1, 2, 3, 1000, 99999 };
        var blocks = new int[keys.Length];
        new KeyGroupsPartitioner().Partition(new BatchContext(0, 10, keys.Length), keys, blocks);
        for (int i = 0; i < keys.Length; i++)
            Assert.Equal(KeyGroupsPartitioner.FlinkMurmur(keys[i]) % 128 * 10 / 128, blocks[i]);
    }
}
