using PartLy.Core;
using PartLy.Core.Streams;

namespace PartLy.Learning.Rl;

/// <summary>One micro-batch to place, with the number of blocks for it.</summary>
/// <param name="NewStream">True on the first batch of a stream: state learned from the previous stream is void.</param>
public sealed record FeedItem(MicroBatch Batch, int Partitions, bool NewStream, string Stream);

/// <summary>Where an environment's batches come from.</summary>
public interface IBatchFeed : IDisposable
{
    /// <summary>The next batch, or null when the feed has ended.</summary>
    FeedItem? Next();
}

/// <summary>
/// Streams of mixed skew and P: every <c>segment</c> batches a new stream starts with a workload and a P drawn at
/// random from the lists, and a fresh seed. Deterministic under its seed.
/// </summary>
public sealed class MixedFeed : IBatchFeed
{
    private readonly IReadOnlyList<string> _workloads;
    private readonly IReadOnlyList<int> _partitions;
    private readonly BatchPolicy _policy;
    private readonly int _segment;
    private readonly double _tuplesPerBatch;
    private readonly SplitMix64 _random;
    private readonly ulong _seed;
    private ITupleSource? _source;
    private MicroBatcher? _batcher;
    private int _left;
    private int _p;
    private string _stream = "";
    private long _streams;

    public MixedFeed(IReadOnlyList<string> workloads, IReadOnlyList<int> partitions, BatchPolicy policy, int segment, ulong seed, double tuplesPerBatch)
    {
        if (workloads.Count == 0) throw new InputException("no training workload");
        if (partitions.Count == 0 || partitions.Any(p => p < 1)) throw new InputException("training partitions must be at least 1");
        if (segment < 1) throw new InputException($"stream segment must be at least 1 batch, got {segment}");
        foreach (string w in workloads) WorkloadSpec.Parse(w);
        _workloads = workloads;
        _partitions = partitions;
        _policy = policy;
        _segment = segment;
        _tuplesPerBatch = tuplesPerBatch;
        _seed = seed;
        _random = new SplitMix64(seed);
    }

    public FeedItem? Next()
    {
        bool fresh = false;
        MicroBatch? batch = null;
        while (batch is null)
        {
            if (_left == 0 || _batcher is null)
            {
                _source?.Dispose();
                string workload = _workloads[_random.NextInt(_workloads.Count)];
                _p = _partitions[_random.NextInt(_partitions.Count)];
                _source = Workloads.Create(workload, long.MaxValue / 2, _seed + (ulong)(++_streams) * 7919, _tuplesPerBatch);
                _batcher = new MicroBatcher(_source, _policy);
                _left = _segment;
                _stream = $"{workload} P={_p}";
                fresh = true;
            }
            if (_batcher.TryNext(out var next)) { batch = next; _left--; }
            else _left = 0;
        }
        return new FeedItem(batch, _p, fresh, _stream);
    }

    public void Dispose() => _source?.Dispose();
}

/// <summary>
/// The batches of one source with a fixed P. When the source ends it is opened again as a new stream if
/// <paramref name="loop"/>, else the feed ends.
/// </summary>
public sealed class SourceFeed(Func<ITupleSource> open, BatchPolicy policy, int partitions, bool loop = true) : IBatchFeed
{
    private ITupleSource? _source;
    private MicroBatcher? _batcher;
    private bool _ended;

    public FeedItem? Next()
    {
        bool fresh = false;
        if (_ended) return null;
        for (int attempt = 0; attempt < 2; attempt++)
        {
            if (_batcher is null)
            {
                _source?.Dispose();
                _source = open();
                _batcher = new MicroBatcher(_source, policy);
                fresh = true;
            }
            if (_batcher.TryNext(out var batch)) return new FeedItem(batch, partitions, fresh, _source!.Description);
            _batcher = null;
            if (!loop) { _ended = true; return null; }
        }
        throw new InputException($"{_source?.Description}: the stream produced no batch");
    }

    public void Dispose() => _source?.Dispose();
}

/// <summary>
/// A serializable description of where an environment's batches come from (what an actor's Props carry instead of a
/// delegate); <see cref="Open"/> builds the feed on the node that reads it.
/// </summary>
public abstract record FeedSpec
{
    public abstract IBatchFeed Open();
}

/// <summary>Streams of mixed skew and P (<see cref="MixedFeed"/>).</summary>
public sealed record MixFeedSpec(IReadOnlyList<string> Workloads, IReadOnlyList<int> Partitions, BatchPolicy Batch, int Segment, ulong Seed, double TuplesPerBatch)
    : FeedSpec
{
    public override IBatchFeed Open() => new MixedFeed(Workloads, Partitions, Batch, Segment, Seed, TuplesPerBatch);
}

/// <summary>The batches of one stream with a fixed P (<see cref="SourceFeed"/>), opened again at its end if <paramref name="Loop"/>.</summary>
public sealed record StreamFeedSpec(StreamSpec Stream, BatchPolicy Batch, int Partitions, bool Loop = true) : FeedSpec
{
    public override IBatchFeed Open() => new SourceFeed(Stream.Open, Batch, Partitions, Loop);
}

/// <summary>A feed whose first <paramref name="Skip"/> batches are passed over (a resumed run goes on where its checkpoint was).</summary>
public sealed record SkipFeedSpec(FeedSpec Inner, long Skip) : FeedSpec
{
    public override IBatchFeed Open()
    {
        var feed = Inner.Open();
        for (long b = 0; b < Skip; b++)
            if (feed.Next() is null) { feed.Dispose(); throw new InputException($"the training stream ends within the {Skip} batches the checkpoint was trained on"); }
        return feed;
    }
}
