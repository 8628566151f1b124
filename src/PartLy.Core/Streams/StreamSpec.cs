namespace PartLy.Core.Streams;

/// <summary>A serializable description of a tuple stream; <see cref="Open"/> builds the source where it is read.</summary>
public abstract record StreamSpec
{
    public abstract ITupleSource Open();
}

/// <summary>A synthetic workload (<see cref="Workloads.Create"/>).</summary>
public sealed record WorkloadStream(string Workload, long Tuples, ulong Seed, double TuplesPerBatch) : StreamSpec
{
    public override ITupleSource Open() => Workloads.Create(Workload, Tuples, Seed, TuplesPerBatch);
}

/// <summary>A trace file read up to <paramref name="Limit"/> tuples, after passing over its first <paramref name="Skip"/>.</summary>
public sealed record TraceStream(string Path, TraceOptions Options, long Limit = long.MaxValue, long Skip = 0) : StreamSpec
{
    public override ITupleSource Open() => new TraceSource(Path, Options, Limit, Skip);
}
