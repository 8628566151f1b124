using PartLy.Core.Partitioning.Dalton;
using PartLy.Core.Partitioning;

using static PartLy.Core.Tests.TestStreams;

namespace PartLy.Core.Tests;

public class DaltonTests
{
    // Conservation at P = 1, 7, 50 and determinism: PartitionerTests, over every registered strategy.

    [Fact]
    public void Java_random_draws_what_java_util_random_draws()
    {
        // new java.util.Random(42).nextDouble() and new Random(0).nextDouble(), as the JDK prints them.
        Assert.Equal(0.7275636800328681, new JavaRandom(42).NextDouble());
        Assert.Equal(0.730967787376657, new JavaRandom(0).NextDouble());
        var random = new JavaRandom(42);
        for (int i = 0; i < 1000; i++) Assert.InRange(random.NextInt(7), 0, 6);
    }

    [Fact]
    public void The_bandit_moves_the_chosen_arm_a_tenth_of_the_way_to_the_reward()
    {
        // P = 2, slides of 4 tuples, ε = 0 (always the greedy arm). Interval 1 (tuples 0-3): nothing is hot, key 7 goes to
        // 7 mod 2 = 1. Interval 2 has the threshold 4 / 2 = 2: key 7's third tuple (t = 6) makes it hot, its row starts at
        // −2, −2 and the greedy arm is its hash block 1. After placing it the window holds 7 tuples, all on block 1:
        // gap (7 − 3.5) / 7 = 0.5, one fragment of 2, reward −(0.25 + 0.25) = −0.5, value −2·0.9 + 0.1·(−0.5) = −1.85.
        var dalton = new DaltonPartitioner(window: 8, slide: 4, epsilon: 0);
        Assert.Equal(new[] { 1, 1, 1, 1 }, Route(dalton, [7, 7, 7, 7], 2));
        Assert.Equal(new[] { 1, 1 }, Route(dalton, [7, 7], 2, 1));
        Assert.True(dalton.QValues(7).IsEmpty);
        Assert.Equal(new[] { 1 }, Route(dalton, [7], 2, 2));
        Assert.Equal(new[] { -2, -1.85 }, dalton.QValues(7).ToArray(), new ToleranceComparer(1e-12));
        // t = 7: 8 tuples on block 1, mean 4: gap 0.5, reward −0.5 again; −1.85·0.9 − 0.05 = −1.715.
        Assert.Equal(new[] { 1 }, Route(dalton, [7], 2, 3));
        Assert.Equal(new[] { -2, -1.715 }, dalton.QValues(7).ToArray(), new ToleranceComparer(1e-12));
    }

    [Fact]
    public void A_key_stops_being_hot_and_loses_its_row_after_the_interval_following_its_last_hot_one()
    {
        var dalton = new DaltonPartitioner(window: 8, slide: 4, epsilon: 0);
        Route(dalton, [7, 7, 7, 7, 7, 7, 7, 7], 2);       // hot from t = 6, row expires at the end of interval 3 (t = 12)
        Assert.False(dalton.QValues(7).IsEmpty);
        Assert.Equal(new[] { 1, 0, 1, 0 }, Route(dalton, [3, 4, 5, 6], 2, 1)); // interval 3: other keys, hashed
        Assert.False(dalton.QValues(7).IsEmpty);
        Route(dalton, [9], 2, 2);                         // t = 12: the row is still valid at its expiration time
        Route(dalton, [9], 2, 3);
        Assert.Equal(new[] { 1 }, Route(dalton, [7], 2, 4)); // t = 14 > 12 and not hot in interval 4: hashed, row gone
        Assert.True(dalton.QValues(7).IsEmpty);
    }

    [Fact]
    public void The_split_budget_grows_once_seventy_percent_of_the_hot_keys_reach_it()
    {
        // P = 4, ε = 1 (always explore): keys 10 and 11 alternate; after the first interval of 1,000 tuples both are hot
        // (500 > 1000 / 4). A key explores all blocks until its fragments reach the budget, then only among them. The
        // budget starts at 2; the first key to reach it is 100% (or 50%) of the rows, so the budget soon becomes 3. From
        // then on one key at 3 fragments is 50% of the two rows, below 70%: the budget stays 3 until both reach 3, then
        // becomes 4 = P and stops.
        var dalton = new DaltonPartitioner(window: 100_000, slide: 1_000, epsilon: 1);
        Route(dalton, Enumerable.Range(0, 1000).Select(i => 10 + i % 2).ToArray(), 4);
        bool oneKeyWaited = false;
        int t = 0;
        for (; t < 5000 && dalton.SplitBudget < 4; t++)
        {
            Route(dalton, [10 + t % 2], 4, 1 + t);
            Assert.True(dalton.Fragments(10 + t % 2) <= dalton.SplitBudget, $"t = {t}: more fragments than the budget");
            if (dalton.SplitBudget != 3 || dalton.QRows != 2) continue;
            int atBudget = (dalton.Fragments(10) >= 3 ? 1 : 0) + (dalton.Fragments(11) >= 3 ? 1 : 0);
            Assert.True(atBudget < 2, $"t = {t}: both keys at 3 fragments, budget still 3");
            oneKeyWaited |= atBudget == 1;
        }
        Assert.Equal(4, dalton.SplitBudget);
        Assert.True(oneKeyWaited, "no tuple had one key at the budget and the other below it");
        Assert.Equal(2, dalton.QRows);
        Assert.Equal(3, Math.Min(dalton.Fragments(10), dalton.Fragments(11)));
        for (int u = 0; u < 2000; u++) Route(dalton, [10 + u % 2], 4, 10_000 + u);
        Assert.Equal(4, dalton.SplitBudget);
        Assert.Equal(4, dalton.Fragments(10));
    }

    [Fact]
    public void Past_ten_thousand_keys_hot_keys_are_counted_by_the_sketch_which_over_counts()
    {
        var sketch = new CountMinSketch(0.05, 0.9, 33);
        Assert.Equal((40, 4), (sketch.Width, sketch.Depth));
        for (int key = 0; key < 400; key++) Assert.True(sketch.AddAndEstimate(key) >= 1);
        Assert.True(sketch.AddAndEstimate(5) >= 2);
        var dalton = new DaltonPartitioner(window: 60_000, slide: 1_000);
        // Keys merge into the window state only from slides that saw a hot key: key 50,000 is hot in every slide.
        var keys = Enumerable.Range(0, 30_000).Select(i => i % 2 == 0 ? 50_000 : i / 2 % 12_000).ToArray();
        Route(dalton, keys[..19_000], 10);
        Assert.False(dalton.UsingSketch);
        Route(dalton, keys[19_000..], 10, 1);
        Assert.True(dalton.UsingSketch);
        Assert.False(new DaltonPartitioner().UsingSketch);
    }

    [Fact]
    public void Its_parameters_in_reports_include_the_defaults_and_its_state_the_split_budget()
    {
        var dalton = Strategies.Create("dalton:epsilon=0.2");
        Assert.Equal("window=60000,slide=1000,epsilon=0.2,alpha=0.1,seed=3", dalton.Parameters);
        Route(dalton, Enumerable.Range(0, 3000).Select(i => i % 3 == 0 ? 5 : i).ToArray(), 10);
        Assert.StartsWith("split_budget=", dalton.State);
        Assert.Contains("hot_counts=exact", dalton.State);
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(double obj) => 0;
    }
}
