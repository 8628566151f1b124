using PartLy.Core.Hashing;
using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;

namespace PartLy.Core.Tests;

public class PartitionerTests
{
    public static TheoryData<string> AllStrategies()
    {
        var data = new TheoryData<string>();
        foreach (string name in Strategies.Names) data.Add(name);
        return data;
    }

    private static int[] Place(Partitioner partitioner, IReadOnlyList<Streams.MicroBatch> batches, int partitions, List<int[]>? all = null)
    {
        int[] last = [];
        foreach (var batch in batches)
        {
            var blocks = new int[batch.Count];
            Array.Fill(blocks, -1);
            partitioner.Partition(new BatchContext(batch.Index, partitions, batch.ExpectedTuples), batch.Keys, blocks);
            all?.Add(blocks);
            last = blocks;
        }
        return last;
    }

    [Theory]
    [MemberData(nameof(AllStrategies))]
    public void Every_tuple_lands_in_exactly_one_valid_block(string strategy)
    {
        foreach (int p in new[] { 1, 7, 50 })
        {
            var batches = TestStreams.ZipfBatches(1.2, 500, 997, 20_000);
            var placed = new List<int[]>();
            Place(Strategies.Create(strategy), batches, p, placed);
            for (int i = 0; i < batches.Count; i++)
            {
                Assert.Equal(batches[i].Count, placed[i].Length);
                Assert.All(placed[i], b => Assert.InRange(b, 0, p - 1));
                var sizes = new int[p];
                foreach (int b in placed[i]) sizes[b]++;
                Assert.Equal(batches[i].Count, sizes.Sum());
            }
        }
    }

    [Theory]
    [MemberData(nameof(AllStrategies))]
    public void Same_seed_and_input_give_the_same_placement(string strategy)
    {
        var batches = TestStreams.ZipfBatches(1.5, 1000, 1000, 10_000, seed: 7);
        var first = new List<int[]>();
        var second = new List<int[]>();
        Place(Strategies.Create(strategy), batches, 13, first);
        Place(Strategies.Create(strategy), TestStreams.ZipfBatches(1.5, 1000, 1000, 10_000, seed: 7), 13, second);
        for (int i = 0; i < first.Count; i++) Assert.Equal(first[i], second[i]);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    public void Pkg_never_uses_a_block_outside_the_keys_candidates(int d)
    {
        const int p = 20;
        var batches = TestStreams.ZipfBatches(1.5, 2000, 1000, 20_000);
        var placed = new List<int[]>();
        Place(new PartialKeyGrouping(d), batches, p, placed);
        for (int i = 0; i < batches.Count; i++)
            for (int t = 0; t < batches[i].Count; t++)
            {
                int key = batches[i].Keys[t];
                var candidates = Enumerable.Range(0, d).Select(c => Murmur3.Candidate(key, c, p)).ToHashSet();
                Assert.Contains(placed[i][t], candidates);
            }
    }

    [Fact]
    public void Pkg_splits_a_hot_key_over_its_two_candidates_only()
    {
        var keys = Enumerable.Repeat(42, 1000).ToArray();
        var blocks = new int[keys.Length];
        new PartialKeyGrouping().Partition(new BatchContext(0, 10, 1000), keys, blocks);
        var used = blocks.Distinct().Order().ToArray();
        var candidates = new[] { Murmur3.Candidate(42, 0, 10), Murmur3.Candidate(42, 1, 10) }.Distinct().Order().ToArray();
        Assert.Equal(candidates, used);
    }

    [Fact]
    public void Hash_keeps_every_key_whole_across_batches()
    {
        var batches = TestStreams.ZipfBatches(1.0, 500, 500, 5000);
        var placed = new List<int[]>();
        Place(new HashPartitioner(), batches, 9, placed);
        var blockOf = new Dictionary<int, int>();
        for (int i = 0; i < batches.Count; i++)
            for (int t = 0; t < batches[i].Count; t++)
                Assert.Equal(blockOf.GetValueOrDefault(batches[i].Keys[t], placed[i][t]), blockOf[batches[i].Keys[t]] = placed[i][t]);
    }

    [Theory]
    [InlineData(1.0, 10, 1000)]
    [InlineData(1.5, 50, 1000)]
    [InlineData(2.0, 50, 10_000)]
    public void Greedy_fill_balances_exactly_with_at_most_p_minus_one_extra_fragments(double z, int p, int batch)
    {
        var batches = TestStreams.ZipfBatches(z, 10_000, batch, batch * 5L);
        var analyzer = new BatchAnalyzer();
        var fill = new GreedyFill();
        foreach (var b in batches)
        {
            var blocks = new int[b.Count];
            fill.Partition(new BatchContext(b.Index, p, b.Count), b.Keys, blocks);
            var m = analyzer.Analyze(b.Keys, blocks, p);
            int capacity = (b.Count + p - 1) / p;
            Assert.True(m.SizeImbalance <= (double)capacity * p / b.Count - 1 + 1e-12);
            Assert.InRange(m.ExtraFragments, 0, p - 1);
        }
    }

    [Theory]
    [InlineData("greedy")]
    [InlineData("prompt")]
    public void Capacity_aware_strategies_balance_count_based_batches_exactly(string strategy)
    {
        const int p = 50;
        var batches = TestStreams.ZipfBatches(1.5, 10_000, 1000, 20_000);
        var analyzer = new BatchAnalyzer();
        var partitioner = Strategies.Create(strategy);
        foreach (var b in batches)
        {
            var blocks = new int[b.Count];
            partitioner.Partition(new BatchContext(b.Index, p, b.ExpectedTuples), b.Keys, blocks);
            Assert.Equal(0.0, analyzer.Analyze(b.Keys, blocks, p).SizeImbalance, 9);
        }
    }

    /// <summary>Block loads of a batch whose fullest block holds <paramref name="maxLoad"/>.</summary>
    private static int[] Loads(int partitions, int maxLoad)
    {
        var loads = new int[partitions];
        loads[0] = maxLoad;
        return loads;
    }

    [Fact]
    public void A_slack_below_one_tuple_per_block_is_spent_every_few_batches()
    {
        // 1% of a 20-tuple block is a fifth of a tuple: every fifth batch may hold 21, so the mean λ is the slack.
        var budget = new SlackBudget(0.01);
        var capacities = new int[10];
        double imbalance = 0;
        for (int batch = 0; batch < capacities.Length; batch++)
        {
            capacities[batch] = budget.Capacity(1000, 50);
            budget.Spend(Loads(50, capacities[batch]), 1000);
            imbalance += capacities[batch] * 50 / 1000.0 - 1;
        }
        Assert.Equal(new[] { 20, 20, 20, 20, 21, 20, 20, 20, 20, 21 }, capacities);
        Assert.Equal(0.01, imbalance / capacities.Length, 12);
    }

    [Fact]
    public void An_unspent_slack_grants_one_tuple_more_at_most()
    {
        var budget = new SlackBudget(0.01);
        for (int batch = 0; batch < 100; batch++) budget.Spend(Loads(50, 20), 1000);
        Assert.Equal(21, budget.Capacity(1000, 50));
        // ⌈T/P⌉ above (1 + slack)·T/P is not the budget's doing: it is not charged to later batches.
        var uneven = new SlackBudget(0.01);
        for (int batch = 0; batch < 10; batch++)
        {
            Assert.Equal(34, uneven.Capacity(1000, 30));
            uneven.Spend(Loads(30, 34), 1000);
        }
        var exact = new SlackBudget(0);
        exact.Spend(Loads(50, 20), 1000);
        Assert.Equal(20, exact.Capacity(1000, 50));
    }

    [Fact]
    public void The_greedy_with_a_slack_keeps_its_mean_imbalance_within_it()
    {
        const int p = 50;
        var batches = TestStreams.ZipfBatches(1.5, 10_000, 1000, 50_000);
        var analyzer = new BatchAnalyzer();
        var greedy = Strategies.Create("greedy:slack=0.01");
        double imbalance = 0, max = 0;
        foreach (var b in batches)
        {
            var blocks = new int[b.Count];
            greedy.Partition(new BatchContext(b.Index, p, b.ExpectedTuples), b.Keys, blocks);
            double batchImbalance = analyzer.Analyze(b.Keys, blocks, p).SizeImbalance;
            imbalance += batchImbalance;
            max = Math.Max(max, batchImbalance);
        }
        Assert.InRange(imbalance / batches.Count, 0.005, 0.01 + 1e-12);
        Assert.Equal(0.05, max, 12);
    }

    [Fact]
    public void Prompt_reaches_the_fragment_floor_on_skewed_batches()
    {
        const int p = 50;
        var batches = TestStreams.ZipfBatches(1.5, 10_000, 1000, 50_000);
        var analyzer = new BatchAnalyzer();
        var counts = new KeyCounts();
        var prompt = new Prompt();
        double replication = 0, floor = 0;
        foreach (var b in batches)
        {
            var blocks = new int[b.Count];
            prompt.Partition(new BatchContext(b.Index, p, b.Count), b.Keys, blocks);
            replication += analyzer.Analyze(b.Keys, blocks, p).Replication;
            counts.Count(b.Keys);
            floor += BatchBounds.Compute(counts, p).ReplicationFloor;
        }
        Assert.InRange(replication / batches.Count, floor / batches.Count, floor / batches.Count * 1.02);
    }

    [Fact]
    public void Shuffle_is_round_robin_by_arrival()
    {
        var keys = new[] { 5, 5, 5, 5, 5, 9, 9 };
        var blocks = new int[keys.Length];
        new ShufflePartitioner().Partition(new BatchContext(0, 3, 7), keys, blocks);
        Assert.Equal(new[] { 0, 1, 2, 0, 1, 2, 0 }, blocks);
    }

    [Fact]
    public void W_choices_balances_the_head_where_pkg_cannot()
    {
        const int p = 50;
        var batches = TestStreams.ZipfBatches(1.5, 10_000, 1000, 100_000);
        double Mean(Partitioner partitioner)
        {
            var analyzer = new BatchAnalyzer();
            double sum = 0;
            foreach (var b in batches)
            {
                var blocks = new int[b.Count];
                partitioner.Partition(new BatchContext(b.Index, p, b.Count), b.Keys, blocks);
                sum += analyzer.Analyze(b.Keys, blocks, p).SizeImbalance;
            }
            return sum / batches.Count;
        }
        double pkg = Mean(new PartialKeyGrouping()), wc = Mean(new HeavyHitterChoices(HeadPolicy.WChoices));
        Assert.True(pkg > 5, $"PKG λ {pkg}");
        Assert.True(wc < 0.2, $"W-Choices λ {wc}");
    }

    [Fact]
    public void Unknown_strategy_names_the_allowed_ones()
    {
        var e = Assert.Throws<InputException>(() => Strategies.Create("pgk"));
        Assert.Contains("unknown strategy 'pgk'", e.Message);
        Assert.Contains("d-choices", e.Message);
        var p = Assert.Throws<InputException>(() => Strategies.Create("pkg:q=3"));
        Assert.Contains("unknown parameter 'q'", p.Message);
        Assert.Throws<InputException>(() => Strategies.Create("pkg:d=1"));
    }
}
