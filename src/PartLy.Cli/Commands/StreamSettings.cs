using PartLy.Core;
using System.ComponentModel;
using PartLy.Actors.Configuration;
using PartLy.Cli.Options;
using PartLy.Core.Streams;
using Spectre.Console.Cli;

namespace PartLy.Cli.Commands;

/// <summary>The flags that choose a stream and how it is cut, shared by every command that reads one.</summary>
public class StreamSettings : CommandSettings
{
    [CommandOption("--workload <SPEC>")]
    [Description("Synthetic workload: zipf:z=1.5,keys=10000 | uniform:keys=1000 | drift:z=1.2,keys=10000,every=50,shift=20,mode=abrupt|gradual. Add rate=TUPLES_PER_S (and wave=, period=, step=F@B, spike=F@B+N, noise=X) for arrival times.")]
    public string? Workload { get; init; }

    [CommandOption("--trace <FILE>")]
    [Description("A trace file (plain or .gz) instead of a synthetic workload.")]
    public string? Trace { get; init; }

    [CommandOption("--format <FORMAT>")]
    [Description("Trace format: lines (one key per line), words (free text, lower-case words), csv, parquet (--column and --time-column by name or index).")]
    [DefaultValue("lines")]
    public string Format { get; init; } = "lines";

    [CommandOption("--column <NAME|INDEX>")]
    [Description("CSV key column (header name or 0-based index).")]
    public string? Column { get; init; }

    [CommandOption("--time-column <NAME|INDEX>")]
    [Description("CSV timestamp column, for time-based batches: numbers (in --time-unit) or ISO-8601 times (2001-01-01T00:01:00.000Z; no zone means UTC).")]
    public string? TimeColumn { get; init; }

    [CommandOption("--no-header")]
    [Description("CSV trace without a header line: the first line is data and --column, --time-column are 0-based indices.")]
    public bool NoHeader { get; init; }

    [CommandOption("--time-unit <UNIT>")]
    [Description("Unit of a numeric timestamp column: us, ms, s, min, h.")]
    [DefaultValue("ms")]
    public string TimeUnit { get; init; } = "ms";

    [CommandOption("--speedup <X>")]
    [Description("Replay the trace's time X times faster (at 3600, an hour of log is a second of stream time); needs --time-column.")]
    public double? Speedup { get; init; }

    [CommandOption("--tuples <N>")]
    [Description("Tuples to read (synthetic length; a trace is read up to this many). Default partly.stream.tuples (1,000,000).")]
    public long? TuplesOption { get; init; }

    [CommandOption("--batch <SIZE>")]
    [Description("Micro-batch: a tuple count (1000) or a time interval (500us, 200ms, 1s, 5min, 1h). Default partly.stream.batch (1000).")]
    public string? BatchOption { get; init; }

    [CommandOption("--partitions <P>")]
    [Description("Number of data blocks P. Default partly.stream.partitions (50).")]
    public int? PartitionsOption { get; init; }

    [CommandOption("--seed <SEED>")]
    [Description("Seed of the synthetic workload (and of anything else random). Default partly.stream.seed (42).")]
    public ulong? SeedOption { get; init; }

    [CommandOption("--config <FILE>")]
    [Description("A HOCON file layered on top of hocon/partly.conf (defaults of every flag, runtime, logging).")]
    public string? Config { get; init; }

    private RuntimeConfig? _configuration;

    /// <summary>hocon/partly.conf with the --config file on top: the defaults of the flags left out.</summary>
    public RuntimeConfig Configuration => _configuration ??= RuntimeConfig.Load(Config);

    private StreamOptions? _stream;

    /// <summary>The stream, parsed once from the flags and the configuration.</summary>
    public StreamOptions Stream => _stream ??= StreamOptions.Parse(this, Configuration.Stream);
}
