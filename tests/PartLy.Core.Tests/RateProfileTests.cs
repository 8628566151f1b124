using PartLy.Core.Streams;

namespace PartLy.Core.Tests;

public class RateProfileTests
{
    /// <summary>Batch sizes of a 10 ms-batched workload at 100,000 tuples/s (1,000 tuples a batch at the base rate).</summary>
    private static List<int> Sizes(string profile, long tuples = 200_000, ulong seed = 3)
    {
        var policy = BatchPolicy.Parse("10ms", "--batch");
        var spec = WorkloadSpec.Parse($"zipf:z=1,keys=1000,rate=100000,{profile}");
        using var source = spec.Create(tuples, seed, spec.TuplesPerBatch(policy));
        var batcher = new MicroBatcher(source, policy);
        var sizes = new List<int>();
        while (batcher.TryNext(out var b)) sizes.Add(b.Count);
        return sizes;
    }

    private static double Mean(IEnumerable<int> values) => values.Average();

    [Fact]
    public void A_step_multiplies_the_rate_from_its_batch_on()
    {
        var sizes = Sizes("step=1.5@60");
        Assert.InRange(Mean(sizes.Take(55)), 950, 1050);
        Assert.InRange(Mean(sizes.Skip(65).SkipLast(1)), 1420, 1580);
    }

    [Fact]
    public void A_spike_multiplies_the_rate_for_its_batches_only()
    {
        var sizes = Sizes("spike=2.6@50+20");
        Assert.InRange(Mean(sizes.Take(45)), 950, 1050);
        Assert.InRange(Mean(sizes.Skip(51).Take(18)), 2470, 2730);
        Assert.InRange(Mean(sizes.Skip(75).SkipLast(1)), 950, 1050);
    }

    [Fact]
    public void Noise_scatters_the_batches_around_the_rate_and_is_fixed_by_the_seed()
    {
        var sizes = Sizes("noise=0.2", 400_000);
        double mean = Mean(sizes), sd = Math.Sqrt(sizes.Average(s => (s - mean) * (s - mean)));
        Assert.InRange(mean, 950, 1050);
        // Poisson alone gives a standard deviation of about √1000 ≈ 32; noise 0.2 adds about 200.
        Assert.InRange(sd, 150, 260);
        Assert.Equal(sizes, Sizes("noise=0.2", 400_000));
        Assert.NotEqual(sizes, Sizes("noise=0.2", 400_000, seed: 4));
    }

    [Theory]
    [InlineData("step=2@x", "FACTOR@BATCH")]
    [InlineData("step=-1@3", "FACTOR@BATCH")]
    [InlineData("spike=2@3", "FACTOR@BATCH+BATCHES")]
    [InlineData("spike=2@3+0", "FACTOR@BATCH+BATCHES")]
    public void A_profile_that_does_not_parse_says_which_form_it_expects(string profile, string form)
    {
        var e = Assert.Throws<InputException>(() => WorkloadSpec.Parse($"zipf:rate=1000,{profile}"));
        Assert.Contains(form, e.Message);
    }

    [Fact]
    public void A_profile_needs_a_rate()
    {
        var e = Assert.Throws<InputException>(() => WorkloadSpec.Parse("zipf:spike=2@3+1"));
        Assert.Contains("need rate=", e.Message);
    }
}
