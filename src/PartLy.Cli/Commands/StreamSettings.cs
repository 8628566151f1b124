using System.ComponentModel;
using System.Globalization;
using PartLy.Core.Streams;
using Spectre.Console.Cli;

namespace PartLy.Cli.Commands;

/// <summary>The flags that choose a stream and how it is cut, shared by every command that reads one.</summary>
public class StreamSettings : CommandSettings
{
    [CommandOption("--workload <SPEC>")]
    [Description("Synthetic workload: zipf:z=1.5,keys=10000 | uniform:keys=1000 | drift:z=1.2,keys=10000,every=50,shift=20,mode=abrupt|gradual. Add rate=TUPLES_PER_S (and wave=, period=) for arrival times.")]
    public string? Workload { get; init; }

    [CommandOption("--trace <FILE>")]
    [Description("A trace file (plain or .gz) instead of a synthetic workload.")]
    public string? Trace { get; init; }

    [CommandOption("--format <FORMAT>")]
    [Description("Trace format: lines (one key per line), words (free text, lower-case words), csv.")]
    [DefaultValue("lines")]
    public string Format { get; init; } = "lines";

    [CommandOption("--column <NAME|INDEX>")]
    [Description("CSV key column (header name or 0-based index).")]
    public string? Column { get; init; }

    [CommandOption("--time-column <NAME|INDEX>")]
    [Description("CSV timestamp column, for time-based batches.")]
    public string? TimeColumn { get; init; }

    [CommandOption("--time-unit <UNIT>")]
    [Description("Unit of the timestamp column: ms, s, us.")]
    [DefaultValue("ms")]
    public string TimeUnit { get; init; } = "ms";

    [CommandOption("--tuples <N>")]
    [Description("Tuples to read (synthetic length; a trace is read up to this many).")]
    [DefaultValue(1_000_000L)]
    public long Tuples { get; init; } = 1_000_000;

    [CommandOption("--batch <SIZE>")]
    [Description("Micro-batch: a tuple count (1000) or a time interval (200ms, 1s).")]
    [DefaultValue("1000")]
    public string Batch { get; init; } = "1000";

    [CommandOption("--partitions <P>")]
    [Description("Number of data blocks P.")]
    [DefaultValue(50)]
    public int Partitions { get; init; } = 50;

    [CommandOption("--seed <SEED>")]
    [Description("Seed of the synthetic workload (and of anything else random).")]
    [DefaultValue(42UL)]
    public ulong Seed { get; init; } = 42;

    public const string DefaultWorkload = "zipf:z=1.5,keys=10000";

    public BatchPolicy ParseBatch()
    {
        string text = Batch.Trim().ToLowerInvariant();
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int tuples))
            return tuples >= 1 ? new BatchPolicy.ByCount(tuples) : throw new InputException($"--batch must be at least 1 tuple, got {Batch}");
        (string number, double scale) = text switch
        {
            _ when text.EndsWith("ms") => (text[..^2], 1.0),
            _ when text.EndsWith("us") => (text[..^2], 0.001),
            _ when text.EndsWith('s') => (text[..^1], 1000.0),
            _ => (text, double.NaN),
        };
        if (double.IsNaN(scale) || !double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || value <= 0)
            throw new InputException($"--batch '{Batch}' is neither a tuple count (1000) nor an interval (200ms, 1s)");
        long ms = (long)Math.Round(value * scale);
        return ms >= 1 ? new BatchPolicy.ByInterval(ms) : throw new InputException($"--batch '{Batch}' is shorter than 1ms");
    }

    public void Check()
    {
        if (Partitions < 1) throw new InputException($"--partitions must be at least 1, got {Partitions}");
        if (Tuples < 1) throw new InputException($"--tuples must be at least 1, got {Tuples}");
        if (Workload is not null && Trace is not null) throw new InputException("--workload and --trace exclude each other: give one");
        ParseBatch();
    }

    /// <summary>Opens the chosen stream; the caller disposes it.</summary>
    public ITupleSource OpenSource()
    {
        Check();
        if (Trace is not null)
        {
            var format = Format.ToLowerInvariant() switch
            {
                "lines" => TraceFormat.Lines,
                "words" => TraceFormat.Words,
                "csv" => TraceFormat.Csv,
                _ => throw new InputException($"--format '{Format}' is not one of lines, words, csv"),
            };
            double unit = TimeUnit.ToLowerInvariant() switch
            {
                "ms" => 1.0,
                "s" => 1000.0,
                "us" => 0.001,
                _ => throw new InputException($"--time-unit '{TimeUnit}' is not one of ms, s, us"),
            };
            return new TraceSource(Trace, new TraceOptions(format, Column, TimeColumn, unit), Tuples);
        }
        string workload = Workload ?? DefaultWorkload;
        return Workloads.Create(workload, Tuples, Seed, TuplesPerBatch(workload));
    }

    /// <summary>
    /// Tuples one batch holds on average, to express a workload's drift period in batches: the batch size, or for a
    /// time interval the workload's rate times the interval.
    /// </summary>
    public double TuplesPerBatch(string workload)
    {
        var policy = ParseBatch();
        if (policy is BatchPolicy.ByCount count) return count.Tuples;
        var spec = PartLy.Core.Spec.Parse("--workload", workload);
        double rate = spec.Has("rate") ? spec.Double("rate", 1) : 1000;
        return Math.Max(1, rate * ((BatchPolicy.ByInterval)policy).Milliseconds / 1000.0);
    }
}
