using Parquet;
using Parquet.Schema;
using PartLy.Core.Streams;

namespace PartLy.Core.Tests;

public class ParquetTraceTests
{
    /// <summary>A Parquet file of row groups of (origin, time, user): origin strings, UTC times, user ids.</summary>
    private static string Write(params (string Origin, DateTime Time, long User)[][] groups)
    {
        string path = Path.Combine(Path.GetTempPath(), $"partly-test-{Guid.NewGuid():N}.parquet");
        var schema = new ParquetSchema(new DataField<string>("origin"), new DataField<DateTime>("time"), new DataField<long>("user"));
        using (var file = File.Create(path))
        {
            var writer = ParquetWriter.CreateAsync(schema, file).GetAwaiter().GetResult();
            foreach (var rows in groups)
            {
                using var group = writer.CreateRowGroup();
                group.WriteAsync(schema.DataFields[0], rows.Select(r => r.Origin).ToArray(), null).GetAwaiter().GetResult();
                group.WriteAsync<DateTime>(schema.DataFields[1], rows.Select(r => r.Time).ToArray(), null, null, default).GetAwaiter().GetResult();
                group.WriteAsync<long>(schema.DataFields[2], rows.Select(r => r.User).ToArray(), null, null, default).GetAwaiter().GetResult();
                group.CompleteValidate();
            }
            writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        return path;
    }

    private static readonly DateTime Start = new(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static List<int[]> Batches(string path, string column, string? timeColumn, string batch)
    {
        using var source = new TraceSource(path, new TraceOptions(TraceFormat.Parquet, column, timeColumn));
        var batcher = new MicroBatcher(source, BatchPolicy.Parse(batch, "--batch"));
        var batches = new List<int[]>();
        while (batcher.TryNext(out var b)) batches.Add(b.Keys);
        return batches;
    }

    [Fact]
    public void Keys_and_times_are_read_row_group_by_row_group_across_groups()
    {
        string path = Write(
            [("a", Start.AddMinutes(1), 7), ("b", Start.AddMinutes(59), 8)],
            [("a", Start.AddMinutes(61), 7), ("c", Start.AddHours(3), 9)]);
        var batches = Batches(path, "origin", "time", "1h");
        Assert.Equal(new[] { 2, 1, 1 }, batches.Select(b => b.Length));
        Assert.Equal(new[] { 0, 1, 0, 2 }, batches.SelectMany(b => b)); // ids in order of first appearance: a, b, c
        Assert.Equal(new[] { 0, 1, 0, 2 }, Batches(path, "2", null, "2").SelectMany(b => b)); // whole-number keys, by index
    }

    [Fact]
    public void A_truncated_file_is_an_error_that_names_it()
    {
        string path = Write([("a", Start, 1), ("b", Start, 2)]);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<InputException>(() => Batches(path, "origin", null, "10"));
        Assert.Contains(Path.GetFileName(path), e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void A_corrupt_row_group_is_an_error_that_names_the_row_group()
    {
        string path = Write([("a", Start, 1), ("b", Start, 2)]);
        var bytes = File.ReadAllBytes(path);
        for (int k = 4; k < 40; k++) bytes[k] ^= 0x5A; // the first column chunk's page header and data
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InputException>(() => Batches(path, "origin", null, "10"));
        Assert.Contains("row group 0", e.Message);
    }

    [Fact]
    public void Times_that_go_back_name_the_row_group_and_row()
    {
        string path = Write([("a", Start.AddHours(1), 1)], [("b", Start, 2)]);
        var e = Assert.Throws<InputException>(() => Batches(path, "origin", "time", "1s"));
        Assert.Contains("row group 1: row 0", e.Message);
        Assert.Contains("goes back in time", e.Message);
    }

    [Fact]
    public void An_unknown_column_lists_the_file_s_columns()
    {
        string path = Write([("a", Start, 1)]);
        var e = Assert.Throws<InputException>(() => Batches(path, "nope", null, "10"));
        Assert.Contains("origin, time, user", e.Message);
    }
}
