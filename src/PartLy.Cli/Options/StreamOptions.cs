using PartLy.Core;
using PartLy.Core.Streams;

namespace PartLy.Cli.Options;

/// <summary>
/// The stream a command reads, parsed once from its flags and the configuration: a synthetic workload (typed) or a
/// trace, how it is cut into batches, the blocks per batch, the seed and the length.
/// </summary>
public sealed record StreamOptions(WorkloadSpec? Workload, TraceStream? Trace, BatchPolicy Batch, int Partitions, ulong Seed, long Tuples)
{
    /// <summary>The stream as a serializable description (what actors are given), <paramref name="tuples"/> long.</summary>
    public StreamSpec Spec(long? tuples = null, ulong? seed = null) =>
        Trace is not null ? Trace with { Limit = tuples ?? Tuples }
        : new WorkloadStream(Workload!.Text, tuples ?? Tuples, seed ?? Seed, TuplesPerBatch);

    /// <summary>Tuples one batch holds on average (the batch size, or the workload's rate times the interval).</summary>
    public double TuplesPerBatch => Workload is not null ? Workload.TuplesPerBatch(Batch) : Batch is BatchPolicy.ByCount c ? c.Tuples : 1000;

    public ITupleSource Open() => Spec().Open();

    public string Description => Trace is not null ? $"trace {Path.GetFileName(Trace.Path)}" : Workload!.Text;

    public static StreamOptions Parse(Commands.StreamSettings s, Actors.Configuration.StreamDefaults defaults)
    {
        if (s.Workload is not null && s.Trace is not null) throw new InputException("--workload and --trace exclude each other: give one");
        var batch = Check.Pick(s.BatchOption, "--batch", defaults.Batch, "partly.stream.batch");
        var policy = BatchPolicy.Parse(batch.Value, batch.Name);
        int partitions = Check.AtLeast(Check.Pick(s.PartitionsOption, "--partitions", defaults.Partitions, "partly.stream.partitions"), 1);
        long tuples = Check.AtLeast(Check.Pick(s.TuplesOption, "--tuples", defaults.Tuples, "partly.stream.tuples"), 1);
        ulong seed = s.SeedOption ?? defaults.Seed;
        if (s.Trace is not null)
        {
            var format = Check.OneOf(new Named<string>(s.Format, "--format"), "lines", "words", "csv", "parquet") switch
            {
                "lines" => TraceFormat.Lines,
                "words" => TraceFormat.Words,
                "csv" => TraceFormat.Csv,
                _ => TraceFormat.Parquet,
            };
            double unit = Duration.Scale(Check.OneOf(new Named<string>(s.TimeUnit, "--time-unit"), "us", "ms", "s", "min", "h"));
            double speedup = s.Speedup ?? 1;
            if (s.Speedup is not null && !(speedup > 0 && double.IsFinite(speedup))) throw new InputException($"--speedup must be a positive number, got {s.Speedup}");
            if (s.Speedup is not null && s.TimeColumn is null) throw new InputException("--speedup replays a trace's arrival times: give --format csv or parquet with --time-column");
            bool columns = format is TraceFormat.Csv or TraceFormat.Parquet;
            if (!columns && (s.Column is not null || s.TimeColumn is not null))
                throw new InputException($"--column and --time-column apply to --format csv and parquet only (format is {s.Format.ToLowerInvariant()})");
            if (s.NoHeader && format != TraceFormat.Csv) throw new InputException("--no-header applies to --format csv only");
            if (columns && s.Column is null) throw new InputException($"{s.Trace}: --format {s.Format.ToLowerInvariant()} needs --column NAME|INDEX");
            if (Directory.Exists(s.Trace)) throw new InputException($"--trace {s.Trace}: is a directory, not a trace file");
            if (!File.Exists(s.Trace)) throw new InputException($"{s.Trace}: trace file not found");
            if (policy is BatchPolicy.ByInterval && s.TimeColumn is null)
                throw new InputException($"{batch.Name} {batch.Value} needs arrival times: the trace has none (give --format csv or parquet with --time-column)");
            return new StreamOptions(null, new TraceStream(s.Trace, new TraceOptions(format, s.Column, s.TimeColumn, unit, HasHeader: !s.NoHeader, Speedup: speedup), tuples), policy, partitions, seed, tuples);
        }
        if (s.Speedup is not null) throw new InputException("--speedup replays a trace's arrival times; a synthetic workload sets its own (rate=)");
        var workload = Check.Pick(s.Workload, "--workload", defaults.Workload, "partly.stream.workload").Parse(WorkloadSpec.Parse);
        if (policy is BatchPolicy.ByInterval && workload.Arrivals is null)
            throw new InputException($"{batch.Name} {batch.Value} needs arrival times: {workload.Text} has none (add rate=TUPLES_PER_S to the workload)");
        return new StreamOptions(workload, null, policy, partitions, seed, tuples);
    }
}
