using PartLy.Core.Streams;

namespace PartLy.Core.Tests;

public class TraceTimeTests
{
    private static List<int> BatchSizes(string csv, BatchPolicy policy, TraceOptions? options = null)
    {
        string path = TestStreams.TempFile(csv, ".csv");
        using var source = new TraceSource(path, options ?? new TraceOptions(TraceFormat.Csv, "key", "time"));
        var batcher = new MicroBatcher(source, policy);
        var sizes = new List<int>();
        while (batcher.TryNext(out var b)) sizes.Add(b.Count);
        return sizes;
    }

    [Theory]
    [InlineData("500us", 500)]
    [InlineData("200ms", 200_000)]
    [InlineData("1.5s", 1_500_000)]
    [InlineData("5min", 300_000_000)]
    [InlineData("1h", 3_600_000_000)]
    public void Intervals_take_every_unit_from_microseconds_to_hours(string text, long microseconds)
    {
        var policy = Assert.IsType<BatchPolicy.ByInterval>(BatchPolicy.Parse(text, "--batch"));
        Assert.Equal(microseconds, policy.Microseconds);
    }

    [Theory]
    [InlineData("1fortnight")]
    [InlineData("ms")]
    [InlineData("-2s")]
    [InlineData("0.1us")]
    public void An_interval_in_an_unknown_unit_or_without_a_number_is_an_error_that_lists_the_units(string text)
    {
        var e = Assert.Throws<InputException>(() => BatchPolicy.Parse(text, "--batch"));
        Assert.Contains("--batch", e.Message);
    }

    [Fact]
    public void Iso_8601_times_with_or_without_zone_and_fraction_cut_batches_by_the_hour()
    {
        // 00:10 and 00:59:59.999 (no zone: UTC) in the first hour; 01:00 (+00:00) and 01:30 in the second; 03:00 in the fourth.
        string csv = "time,key\n2001-01-01T00:10:00Z,a\n2001-01-01 00:59:59.999,b\n2001-01-01T01:00:00+00:00,a\n2001-01-01T02:30:00.5+01:00,c\n2001-01-01T03:00:00.000Z,a\n";
        Assert.Equal(new[] { 2, 2, 1 }, BatchSizes(csv, BatchPolicy.Parse("1h", "--batch")));
    }

    [Fact]
    public void Speedup_replays_the_trace_faster()
    {
        // Seconds apart in the trace; at 1000 times faster, milliseconds apart.
        string csv = "time,key\n0,a\n1,b\n2,c\n3,d\n";
        var options = new TraceOptions(TraceFormat.Csv, "key", "time", Duration.Scale("s"), Speedup: 1000);
        Assert.Equal(new[] { 2, 2 }, BatchSizes(csv, BatchPolicy.Parse("2ms", "--batch"), options));
    }

    [Fact]
    public void A_number_after_an_iso_time_names_the_line_and_both_kinds()
    {
        var e = Assert.Throws<InputException>(() => BatchSizes("time,key\n2001-01-01T00:00:00Z,a\n17,b\n", BatchPolicy.Parse("1s", "--batch")));
        Assert.Contains(":3:", e.Message);
        Assert.Contains("ISO-8601", e.Message);
    }

    [Fact]
    public void A_time_that_is_neither_a_number_nor_iso_8601_is_an_error_with_the_line()
    {
        var e = Assert.Throws<InputException>(() => BatchSizes("time,key\n2001-13-45T99:00:00Z,a\n", BatchPolicy.Parse("1s", "--batch")));
        Assert.Contains(":2:", e.Message);
        Assert.Contains("neither a number nor an ISO-8601 time", e.Message);
    }
}
