namespace PartLy.Core.Streams;

/// <summary>
/// A stream of keyed tuples. Keys are dense ids (0, 1, 2, ...); a trace maps its raw keys to ids in order of
/// first appearance. Sources with arrival times report them in milliseconds, non-decreasing.
/// </summary>
public interface ITupleSource : IDisposable
{
    /// <summary>What the stream is, for reports (for example <c>zipf:z=1.5,keys=10000</c>).</summary>
    string Description { get; }

    bool HasTimestamps { get; }

    /// <summary>
    /// Fills up to <c>keys.Length</c> tuples; <paramref name="timestamps"/> is filled alongside when the source has
    /// them (it must then be at least as long as <paramref name="keys"/>). Returns 0 at the end of the stream.
    /// </summary>
    int Read(Span<int> keys, Span<long> timestamps);
}
