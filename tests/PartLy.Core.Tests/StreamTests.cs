using System.IO.Compression;
using PartLy.Core.Sketches;
using PartLy.Core.Streams;

namespace PartLy.Core.Tests;

public class StreamTests
{
    private static List<int> ReadAll(ITupleSource source)
    {
        var all = new List<int>();
        var keys = new int[3];
        var times = new long[3];
        int n;
        while ((n = source.Read(keys, times)) > 0) all.AddRange(keys[..n]);
        return all;
    }

    [Fact]
    public void Zipf_is_deterministic_under_a_seed_and_differs_across_seeds()
    {
        var a = TestStreams.ZipfBatches(1.0, 1000, 100, 1000, seed: 1).SelectMany(b => b.Keys);
        var b = TestStreams.ZipfBatches(1.0, 1000, 100, 1000, seed: 1).SelectMany(b => b.Keys);
        var c = TestStreams.ZipfBatches(1.0, 1000, 100, 1000, seed: 2).SelectMany(b => b.Keys);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Zipf_key_ids_are_permuted_and_frequencies_follow_the_law()
    {
        var keys = TestStreams.ZipfBatches(1.0, 1000, 1000, 200_000).SelectMany(b => b.Keys).ToArray();
        var top = keys.GroupBy(k => k).OrderByDescending(g => g.Count()).Take(3).ToArray();
        Assert.NotEqual(0, top[0].Key);
        double harmonic = Enumerable.Range(1, 1000).Sum(r => 1.0 / r);
        Assert.Equal(1 / harmonic, top[0].Count() / 200_000.0, 2);
        Assert.Equal(0.5 / harmonic, top[1].Count() / 200_000.0, 2);
    }

    [Fact]
    public void Abrupt_drift_replaces_the_hottest_key_every_period()
    {
        using var source = Workloads.Create("drift:z=2,keys=100,every=10,shift=1", 40_000, 5, 1000);
        var batcher = new MicroBatcher(source, new BatchPolicy.ByCount(1000));
        var hottest = new List<int>();
        while (batcher.TryNext(out var b)) hottest.Add(b.Keys.GroupBy(k => k).MaxBy(g => g.Count())!.Key);
        Assert.Equal(40, hottest.Count);
        Assert.Equal(4, hottest.Distinct().Count());
        Assert.All(hottest.Chunk(10), period => Assert.Single(period.Distinct()));
    }

    [Fact]
    public void Count_batches_have_the_requested_size_and_the_last_keeps_the_rest()
    {
        var batches = TestStreams.ZipfBatches(1.0, 100, 300, 1000);
        Assert.Equal(new[] { 300, 300, 300, 100 }, batches.Select(b => b.Count));
        Assert.Equal(new long[] { 0, 1, 2, 3 }, batches.Select(b => b.Index));
        // The last batch is cut at the end of the stream: partitioners size it for what it holds.
        Assert.Equal(new[] { 300, 300, 300, 100 }, batches.Select(b => b.ExpectedTuples));
    }

    [Fact]
    public void Interval_batches_follow_arrival_times_and_skip_empty_intervals()
    {
        string path = TestStreams.TempFile("k,t\na,0\nb,5\nc,9\nd,10\ne,35\nf,39\n", ".csv");
        using var source = new TraceSource(path, new TraceOptions(TraceFormat.Csv, "k", "t"));
        var batcher = new MicroBatcher(source, new BatchPolicy.ByInterval(10_000));
        var sizes = new List<int>();
        var expected = new List<int>();
        while (batcher.TryNext(out var b)) { sizes.Add(b.Count); expected.Add(b.ExpectedTuples); }
        Assert.Equal(new[] { 3, 1, 2 }, sizes);
        Assert.Equal(new[] { 0, 3, 1 }, expected);
    }

    [Fact]
    public void Interval_batches_need_timestamps()
    {
        using var source = new SyntheticSource("zipf", 10, 1, 100, 1);
        var e = Assert.Throws<InputException>(() => new MicroBatcher(source, new BatchPolicy.ByInterval(100_000)));
        Assert.Contains("need arrival times", e.Message);
    }

    [Fact]
    public void Synthetic_arrivals_make_time_batches_of_varying_size()
    {
        using var source = Workloads.Create("zipf:z=1,keys=1000,rate=100000,wave=0.5,period=1", 200_000, 1, 1000);
        var batcher = new MicroBatcher(source, new BatchPolicy.ByInterval(10_000));
        var sizes = new List<int>();
        while (batcher.TryNext(out var b)) sizes.Add(b.Count);
        Assert.InRange(sizes.Average(), 900, 1100);
        Assert.True(sizes.Max() > 1300 && sizes.Min() < 700, $"sizes {sizes.Min()}..{sizes.Max()}");
    }

    [Fact]
    public void Line_traces_map_keys_to_ids_in_order_of_first_appearance()
    {
        string path = TestStreams.TempFile("x\ny\nx\nz\n");
        using var source = new TraceSource(path, new TraceOptions());
        Assert.Equal(new[] { 0, 1, 0, 2 }, ReadAll(source));
    }

    [Fact]
    public void Word_traces_split_text_into_lower_case_words_and_read_gzip()
    {
        string path = Path.Combine(Path.GetTempPath(), $"partly-test-{Guid.NewGuid():N}.txt.gz");
        using (var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest))
        using (var w = new StreamWriter(gz)) w.Write("The cat, the DOG.\n\nDon't stop -- the cat!\n");
        using var source = new TraceSource(path, new TraceOptions(TraceFormat.Words));
        Assert.Equal(new[] { 0, 1, 0, 2, 3, 4, 0, 1 }, ReadAll(source));
        Assert.Equal(5, source.DistinctKeys);
    }

    [Fact]
    public void A_csv_trace_reads_quoted_fields_with_commas_quotes_and_newlines()
    {
        string path = Path.Combine(Path.GetTempPath(), $"partly-csv-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, "note,k\n\"a, b\",x\n\"two\nlines\",\"y \"\"quoted\"\"\"\nplain,x\n");
        using var source = new TraceSource(path, new TraceOptions(TraceFormat.Csv, "k"));
        var keys = new int[8];
        Assert.Equal(3, source.Read(keys, Span<long>.Empty));
        Assert.Equal(new[] { 0, 1, 0 }, keys[..3]);
        Assert.Equal(2, source.DistinctKeys);
    }

    [Theory]
    [InlineData("", TraceFormat.Lines, null, null, "holds no keys")]
    [InlineData("a\n\nb\n", TraceFormat.Lines, null, null, ":2: empty key")]
    [InlineData("k,t\na,1\nb\n", TraceFormat.Csv, "k", "t", ":3: expected at least 2 fields")]
    [InlineData("k,t\na,1\nb,x\n", TraceFormat.Csv, "k", "t", ":3: timestamp 'x' is not a number")]
    [InlineData("k,t\na,5\nb,4\n", TraceFormat.Csv, "k", "t", ":3: timestamp 4 goes back in time")]
    [InlineData("k,t\na,5\n", TraceFormat.Csv, "key", null, ":1: key column 'key' is not a column")]
    [InlineData("k,t\n\"a,5\n", TraceFormat.Csv, "k", null, ":2: unterminated quoted field")]
    public void Malformed_traces_name_the_file_and_line(string content, TraceFormat format, string? column, string? time, string message)
    {
        string path = TestStreams.TempFile(content);
        var e = Assert.Throws<InputException>(() =>
        {
            using var source = new TraceSource(path, new TraceOptions(format, column, time));
            ReadAll(source);
        });
        Assert.Contains(path, e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void A_missing_trace_is_named()
    {
        var e = Assert.Throws<InputException>(() => new TraceSource("/no/such/trace.txt", new TraceOptions()));
        Assert.Contains("/no/such/trace.txt: trace file not found", e.Message);
    }

    [Fact]
    public void Space_saving_never_undercounts_and_keeps_the_heavy_hitters()
    {
        var sketch = new SpaceSaving(50);
        var truth = new Dictionary<int, long>();
        foreach (int k in TestStreams.ZipfBatches(1.2, 5000, 1000, 100_000).SelectMany(b => b.Keys))
        {
            sketch.Offer(k);
            truth[k] = truth.GetValueOrDefault(k) + 1;
        }
        foreach (var (key, count) in sketch.HeavyHitters(1)) Assert.True(count >= truth[key]);
        foreach (var (key, count) in truth.Where(kv => kv.Value > sketch.Total / 50))
            Assert.True(sketch.Estimate(key) >= count, $"heavy hitter {key} ({count}) lost");
    }

    [Fact]
    public void Workload_errors_name_the_flag_and_the_allowed_values()
    {
        Assert.Contains("unknown generator 'zipff'", Assert.Throws<InputException>(() => Workloads.Create("zipff:z=1", 10, 1, 10)).Message);
        Assert.Contains("z=abc is not a number", Assert.Throws<InputException>(() => Workloads.Create("zipf:z=abc", 10, 1, 10)).Message);
        Assert.Contains("allowed: keys, rate, wave, period, step, spike, noise, z", Assert.Throws<InputException>(() => Workloads.Create("zipf:s=1", 10, 1, 10)).Message);
        Assert.Contains("mode=sudden is not one of abrupt, gradual", Assert.Throws<InputException>(() => Workloads.Create("drift:mode=sudden", 10, 1, 10)).Message);
    }
}
