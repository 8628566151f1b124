using Akka.Actor;
using System.Runtime.Serialization;
using Akka.Serialization;
using PartLy.Learning.Training;

namespace PartLy.Actors.Serialization;

/// <summary>
/// The one serializer of every <see cref="IPartLyMessage"/> (bound in hocon/partly.conf): a hand-written binary form
/// per message behind a versioned string manifest ("SourceBatch/1"), so that a changed message gets a new version and
/// an old node's bytes are refused by name rather than misread. A message type without an entry here fails loudly.
/// </summary>
public sealed class PartLySerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    private sealed record Codec(Type Type, string Manifest, Action<BinaryWriter, object> Write, Func<BinaryReader, ExtendedActorSystem, object> Read);

    private static Codec Of<T>(int version, Action<BinaryWriter, T> write, Func<BinaryReader, T> read) where T : IPartLyMessage =>
        new(typeof(T), $"{typeof(T).Name}/{version}", (w, o) => write(w, (T)o), (r, _) => read(r)!);

    /// <summary>A message that carries actor references, resolved by the reading node's actor system.</summary>
    private static Codec WithRefs<T>(int version, Action<BinaryWriter, T> write, Func<BinaryReader, ExtendedActorSystem, T> read) where T : IPartLyMessage =>
        new(typeof(T), $"{typeof(T).Name}/{version}", (w, o) => write(w, (T)o), (r, system) => read(r, system)!);

    private static Codec Singleton<T>(T instance) where T : IPartLyMessage => Of<T>(1, (_, _) => { }, _ => instance);

    private static readonly Codec[] Codecs =
    [
        Singleton(RunExperiment.Instance),
        Singleton(StopExperiment.Instance),
        Singleton(SubscribeProgress.Instance),
        Singleton(RunSchedule.Instance),
        Singleton(SubscribeWeights.Instance),
        Singleton(GetWeights.Instance),
        Of<ExperimentProgress>(4, (w, m) => { w.Write(m.Phase); w.Write(m.Batch); }, r => new(r.ReadString(), r.ReadBatchCompleted())),
        Of<ExperimentWeights>(2, (w, m) => { w.Write(m.Weights); w.Write(m.Batches); }, r => new(r.ReadWeights(), r.ReadInt64())),
        Of<ExperimentCompleted>(6, (w, m) =>
        {
            w.Write(m.Weights);
            w.WriteList(m.Training, (x, e) => x.Write(e));
            w.WriteList(m.Test, (x, b) => x.Write(b));
            w.Write(m.TrainSeconds); w.Write(m.TestSeconds); w.Write(m.TestTuples); w.Write(m.Stopped);
            w.WriteList(m.TestCompletedAt, (x, t) => x.Write(t));
            w.Write(m.TrainTime.PlacingSeconds); w.Write(m.TrainTime.UpdateSeconds); w.Write(m.Delivery);
            w.Write(m.TestPlacingSeconds is not null); w.WriteList(m.TestPlacingSeconds ?? [], (x, t) => x.Write(t));
            w.Write(m.TestService is not null); w.WriteList(m.TestService ?? [], (x, s) => x.Write(s));
            w.Write(m.LearnerFailoverSeconds.HasValue); w.Write(m.LearnerFailoverSeconds ?? 0); w.Write(m.AgentNodesLost); w.Write(m.LanesMoved);
        }, r => new(r.ReadWeights(), r.ReadList(x => x.ReadEpisode()), r.ReadList(x => x.ReadMetrics()), r.ReadDouble(), r.ReadDouble(), r.ReadInt64(),
            r.ReadBoolean(), r.ReadList(x => x.ReadDouble()), new TrainingTime(r.ReadDouble(), r.ReadDouble()), r.ReadDelivery(), r.ReadBoolean() ? r.ReadList(x => x.ReadDouble()) : NoList(r),
            r.ReadBoolean() ? r.ReadList(x => x.ReadService()!) : NoList(r, x => x.ReadService()!), ReadOptional(r), r.ReadInt32(), r.ReadInt32())),
        Of<ExperimentFailed>(1, (w, m) => w.Write(m.Reason), r => new(r.ReadString())),
        Of<RequestBatches>(1, (w, m) => w.Write(m.Count), r => new(r.ReadInt32())),
        Of<SourceBatch>(1, (w, m) =>
        {
            w.Write(m.Sequence); w.Write(m.Index); w.WriteInts(m.Keys); w.Write(m.ExpectedTuples); w.Write(m.Partitions);
            w.Write(m.NewStream); w.Write(m.Stream); w.Write(m.IntervalEnd);
        }, r => new(r.ReadInt64(), r.ReadInt64(), r.ReadInts(), r.ReadInt32(), r.ReadInt32(), r.ReadBoolean(), r.ReadString(), r.ReadInt64())),
        Of<StreamCompleted>(1, (w, m) => w.Write(m.Batches), r => new(r.ReadInt64())),
        Of<StreamFailed>(1, (w, m) => w.Write(m.Reason), r => new(r.ReadString())),
        Of<ProposeParallelism>(1, (w, m) => { w.Write(m.Sequence); w.Write(m.Partitions); w.Write(m.Coming); }, r => new(r.ReadInt64(), r.ReadInt32(), r.ReadSketch())),
        Of<ParallelismDecision>(1, (w, m) => { w.Write(m.Sequence); w.Write(m.Partitions); }, r => new(r.ReadInt64(), r.ReadInt32())),
        Of<BatchMeasured>(1, (w, m) => { w.Write(m.Sequence); w.Write(m.Ready); w.Write(m.Metrics); }, r => new(r.ReadInt64(), r.ReadDouble(), r.ReadMetrics())),
        Of<BatchScheduled>(1, (w, m) => { w.Write(m.Sequence); w.Write(m.Timing); }, r => new(r.ReadInt64(), r.ReadTiming())),
        Of<ScheduleCompleted>(1, (w, m) => w.WriteList(m.Timings, (x, t) => x.Write(t)), r => new(r.ReadList(x => x.ReadTiming()))),
        Of<ScheduleFailed>(1, (w, m) => w.Write(m.Reason), r => new(r.ReadString())),
        Of<ProcessBlock>(1, (w, m) => { w.Write(m.Sequence); w.Write(m.Block); w.WriteInts(m.Keys); }, r => new(r.ReadInt64(), r.ReadInt32(), r.ReadInts())),
        Of<BlockProcessed>(1, (w, m) => { w.Write(m.Sequence); w.Write(m.Block); w.Write(m.Tuples); w.Write(m.DistinctKeys); w.Write(m.ProcessingTime); },
            r => new(r.ReadInt64(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadDouble())),
        Of<ProcessBlocks>(1, (w, m) => { w.Write(m.Sequence); w.WriteInts(m.Blocks); w.WriteInts(m.Ends); w.WriteInts(m.Keys); },
            r => new(r.ReadInt64(), r.ReadInts(), r.ReadInts(), r.ReadInts())),
        Of<BlocksProcessed>(1, (w, m) => { w.Write(m.Sequence); w.WriteInts(m.Blocks); w.WriteInts(m.Tuples); w.WriteInts(m.DistinctKeys); w.WriteDoubles(m.ProcessingTimes); },
            r => new(r.ReadInt64(), r.ReadInts(), r.ReadInts(), r.ReadInts(), r.ReadDoubles())),
        Of<EpisodeExperience>(2, (w, m) =>
        {
            w.Write(m.Sequence); w.WriteFloats(m.Candidates); w.WriteInts(m.Counts); w.WriteInts(m.Actions); w.WriteFloats(m.LogProbabilities);
            w.WriteFloats(m.Values); w.WriteFloats(m.States); w.Write(m.Reward); w.Write(m.UpdateNow); w.Write(m.Progress); w.Write(m.PolicyVersion);
        }, r => new(r.ReadInt64(), r.ReadFloats(), r.ReadInts(), r.ReadInts(), r.ReadFloats(), r.ReadFloats(), r.ReadFloats(), r.ReadDouble(), r.ReadBoolean(), r.ReadDouble(), r.ReadInt32())),
        Of<PolicyWeights>(2, (w, m) => w.Write(m), r => r.ReadWeights()),
        Of<StartLearning>(2, (w, m) =>
        {
            w.Write(m.Options); w.Write(m.Initial); w.Write(m.StatePath is not null); w.Write(m.StatePath ?? ""); w.Write(m.Resume);
            w.Write(m.MaxPolicyLag.HasValue); w.Write(m.MaxPolicyLag ?? 0);
        }, r => new(r.ReadTrainingOptions(), r.ReadWeights(), r.ReadBoolean() ? r.ReadString() : NoString(r), r.ReadBoolean(), ReadOptionalInt(r))),
        Of<LearnerMoved>(1, (w, m) => w.Write(m.Sequence), r => new(r.ReadInt64())),
        Of<KillLearner>(1, (w, m) => w.Write(m.Sequence), r => new(r.ReadInt64())),
        Of<LearnerKilled>(1, (w, m) => w.Write(m.Sequence), r => new(r.ReadInt64())),
        Of<LearnerFailed>(1, (w, m) => w.Write(m.Reason), r => new(r.ReadString())),
        Of<BatchCompleted>(4, (w, m) => w.Write(m), r => r.ReadBatchCompleted()),
        Of<PhaseCompleted>(3, (w, m) => { w.Write(m.Phase); w.Write(m.Batches); w.Write(m.PlacingSeconds); w.Write(m.Delivery); w.Write(m.Lane); },
            r => new(r.ReadString(), r.ReadInt64(), r.ReadDouble(), r.ReadDelivery(), r.ReadInt32())),
        Of<KillWorker>(1, (w, m) => { w.Write(m.Sequence); w.Write(m.Worker); }, r => new(r.ReadInt64(), r.ReadInt32())),
        Of<WorkerKilled>(1, (w, m) => { w.Write(m.Sequence); w.Write(m.Worker); }, r => new(r.ReadInt64(), r.ReadInt32())),
        Of<PhaseFailed>(1, (w, m) => { w.Write(m.Phase); w.Write(m.Reason); }, r => new(r.ReadString(), r.ReadString())),
        WithRefs<StartAgent>(3, (w, m) =>
        {
            w.Write(m.Settings); w.Write(m.Feed); w.Write(m.Weights); w.Write(m.FixedPartitions); w.Write(m.TuplesPerSecond);
            w.Write(m.Experiment); w.Write(m.Learner);
        }, (r, system) => new(r.ReadAgentSettings(), r.ReadFeed(), r.ReadWeights(), r.ReadInt32(), r.ReadDouble(),
            r.ReadActorRef(system) ?? throw new SerializationException("StartAgent: no experiment to report to"), r.ReadActorRef(system))),
        Singleton(StopAgent.Instance),
        Of<KillAgent>(1, (w, m) => w.Write(m.Sequence), r => new(r.ReadInt64())),
    ];

    /// <summary>An absent list (written as a false flag and an empty list).</summary>
    /// <summary>A number that may be absent (a flag, then the number or 0).</summary>
    private static double? ReadOptional(BinaryReader reader)
    {
        bool present = reader.ReadBoolean();
        double value = reader.ReadDouble();
        return present ? value : null;
    }

    /// <summary>A whole number that may be absent (a flag, then the number or 0).</summary>
    private static int? ReadOptionalInt(BinaryReader reader)
    {
        bool present = reader.ReadBoolean();
        int value = reader.ReadInt32();
        return present ? value : null;
    }

    /// <summary>An absent string (written as a false flag and an empty string).</summary>
    private static string? NoString(BinaryReader reader)
    {
        reader.ReadString();
        return null;
    }

    private static IReadOnlyList<double>? NoList(BinaryReader reader) => NoList(reader, x => x.ReadDouble());

    private static IReadOnlyList<T>? NoList<T>(BinaryReader reader, Func<BinaryReader, T> read)
    {
        reader.ReadList(read);
        return null;
    }

    private static readonly Dictionary<Type, Codec> ByType = Codecs.ToDictionary(c => c.Type);
    private static readonly Dictionary<string, Codec> ByManifest = Codecs.ToDictionary(c => c.Manifest);

    /// <summary>Every message type the serializer knows (a test checks it covers every <see cref="IPartLyMessage"/>).</summary>
    public static IReadOnlyCollection<Type> Types => ByType.Keys;

    public override int Identifier => 4711;

    private long _bytesWritten, _bytesRead;

    /// <summary>Bytes of the messages this node serialized (sent to other nodes, or checked with serialize-messages).</summary>
    public long BytesWritten => Interlocked.Read(ref _bytesWritten);

    /// <summary>Bytes of the messages this node deserialized.</summary>
    public long BytesRead => Interlocked.Read(ref _bytesRead);

    public override string Manifest(object o) => CodecOf(o).Manifest;

    public override byte[] ToBinary(object obj)
    {
        var codec = CodecOf(obj);
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream)) codec.Write(writer, obj);
        var bytes = stream.ToArray();
        Interlocked.Add(ref _bytesWritten, bytes.Length);
        return bytes;
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!ByManifest.TryGetValue(manifest, out var codec))
            throw new SerializationException($"PartLy message '{manifest}' is not known to this build (it reads {string.Join(", ", ByManifest.Keys.Order())})");
        Interlocked.Add(ref _bytesRead, bytes.Length);
        using var reader = new BinaryReader(new MemoryStream(bytes));
        var message = codec.Read(reader, system);
        if (reader.BaseStream.Position != bytes.Length) throw new SerializationException($"{manifest}: {bytes.Length - reader.BaseStream.Position} bytes left over");
        return message;
    }

    private static Codec CodecOf(object o) =>
        ByType.TryGetValue(o.GetType(), out var codec) ? codec : throw new ArgumentException($"{o.GetType().Name} has no binary form in PartLySerializer");
}
