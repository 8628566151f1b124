using Akka.Actor;
using PartLy.Core.Streams;
using PartLy.Learning.Rl;

namespace PartLy.Actors.Serialization;

/// <summary>
/// The binary forms of the settings records an agent node is started with (what a phase's Props are built from): the
/// agent's settings and where its batches come from. Each closed hierarchy is written with a tag per case; a tag this
/// build does not know is refused by name.
/// </summary>
internal static class SpecFormat
{
    public static void Write(this BinaryWriter w, AgentSettings s)
    {
        w.Write(s.Phase); w.Write(s.Training); w.Write(s.Options); w.Write(s.Batches); w.Write(s.Window);
        w.Write(s.Workers is not null); w.WriteList(s.Workers ?? [], (x, path) => x.Write(path));
        w.WriteOptional(s.KillWorkerAt); w.Write(s.ReportTimeoutSeconds);
        w.Write(s.Service is not null); w.Write(s.Service?.Scale ?? 0); w.Write(s.Service?.Slots ?? 0);
        w.Write(s.Strategy is not null); w.Write(s.Strategy ?? "");
        w.WriteOptional(s.KillLearnerAt); w.Write(s.Asynchronous); w.Write(s.Lane); w.Write(s.Lanes); w.Write(s.StartAt);
    }

    public static AgentSettings ReadAgentSettings(this BinaryReader r)
    {
        string phase = r.ReadString();
        bool training = r.ReadBoolean();
        var options = r.ReadTrainingOptions();
        long batches = r.ReadInt64();
        int window = r.ReadInt32();
        bool hasWorkers = r.ReadBoolean();
        var workers = r.ReadList(x => x.ReadString());
        long? killWorkerAt = r.ReadOptionalLong();
        double timeout = r.ReadDouble();
        bool hasService = r.ReadBoolean();
        var service = new Core.Metrics.ServiceTime(r.ReadDouble(), r.ReadInt32());
        bool hasStrategy = r.ReadBoolean();
        string strategy = r.ReadString();
        long? killLearnerAt = r.ReadOptionalLong();
        return new AgentSettings(phase, training, options, batches, window, hasWorkers ? workers : null, killWorkerAt, timeout, hasService ? service : null,
            hasStrategy ? strategy : null, killLearnerAt is { } k ? checked((int)k) : null, r.ReadBoolean(), r.ReadInt32(), r.ReadInt32(), r.ReadInt64());
    }

    public static void Write(this BinaryWriter w, FeedSpec feed)
    {
        switch (feed)
        {
            case MixFeedSpec m:
                w.Write((byte)1);
                w.WriteList(m.Workloads, (x, s) => x.Write(s)); w.WriteList(m.Partitions, (x, p) => x.Write(p));
                w.Write(m.Batch); w.Write(m.Segment); w.Write(m.Seed); w.Write(m.TuplesPerBatch);
                break;
            case StreamFeedSpec s:
                w.Write((byte)2);
                w.Write(s.Stream); w.Write(s.Batch); w.Write(s.Partitions); w.Write(s.Loop);
                break;
            case SkipFeedSpec s:
                w.Write((byte)3);
                w.Write(s.Inner); w.Write(s.Skip);
                break;
            default: throw new ArgumentException($"{feed.GetType().Name} has no binary form in PartLySerializer");
        }
    }

    public static FeedSpec ReadFeed(this BinaryReader r) => r.ReadByte() switch
    {
        1 => new MixFeedSpec(r.ReadList(x => x.ReadString()), r.ReadList(x => x.ReadInt32()), r.ReadBatchPolicy(), r.ReadInt32(), r.ReadUInt64(), r.ReadDouble()),
        2 => new StreamFeedSpec(r.ReadStream(), r.ReadBatchPolicy(), r.ReadInt32(), r.ReadBoolean()),
        3 => new SkipFeedSpec(r.ReadFeed(), r.ReadInt64()),
        var tag => throw new System.Runtime.Serialization.SerializationException($"feed kind {tag} is not known to this build"),
    };

    private static void Write(this BinaryWriter w, StreamSpec stream)
    {
        switch (stream)
        {
            case WorkloadStream s:
                w.Write((byte)1);
                w.Write(s.Workload); w.Write(s.Tuples); w.Write(s.Seed); w.Write(s.TuplesPerBatch);
                break;
            case TraceStream t:
                w.Write((byte)2);
                w.Write(t.Path); w.Write(t.Limit); w.Write(t.Skip);
                var o = t.Options;
                w.Write((int)o.Format); w.Write(o.Column is not null); w.Write(o.Column ?? ""); w.Write(o.TimeColumn is not null); w.Write(o.TimeColumn ?? "");
                w.Write(o.TimeUnitMicroseconds); w.Write(o.HasHeader); w.Write(o.Speedup);
                break;
            default: throw new ArgumentException($"{stream.GetType().Name} has no binary form in PartLySerializer");
        }
    }

    private static StreamSpec ReadStream(this BinaryReader r)
    {
        switch (r.ReadByte())
        {
            case 1: return new WorkloadStream(r.ReadString(), r.ReadInt64(), r.ReadUInt64(), r.ReadDouble());
            case 2:
                string path = r.ReadString();
                long limit = r.ReadInt64(), skip = r.ReadInt64();
                var format = (TraceFormat)r.ReadInt32();
                string? column = r.ReadBoolean() ? r.ReadString() : Skip(r);
                string? timeColumn = r.ReadBoolean() ? r.ReadString() : Skip(r);
                return new TraceStream(path, new TraceOptions(format, column, timeColumn, r.ReadDouble(), r.ReadBoolean(), r.ReadDouble()), limit, skip);
            case var tag: throw new System.Runtime.Serialization.SerializationException($"stream kind {tag} is not known to this build");
        }
    }

    private static string? Skip(BinaryReader r)
    {
        r.ReadString();
        return null;
    }

    private static void Write(this BinaryWriter w, BatchPolicy batch)
    {
        switch (batch)
        {
            case BatchPolicy.ByCount c: w.Write((byte)1); w.Write(c.Tuples); break;
            case BatchPolicy.ByInterval i: w.Write((byte)2); w.Write(i.Microseconds); break;
            default: throw new ArgumentException($"{batch.GetType().Name} has no binary form in PartLySerializer");
        }
    }

    private static BatchPolicy ReadBatchPolicy(this BinaryReader r) => r.ReadByte() switch
    {
        1 => new BatchPolicy.ByCount(r.ReadInt32()),
        2 => new BatchPolicy.ByInterval(r.ReadInt64()),
        var tag => throw new System.Runtime.Serialization.SerializationException($"batch policy kind {tag} is not known to this build"),
    };

    private static void WriteOptional(this BinaryWriter w, long? value)
    {
        w.Write(value.HasValue);
        w.Write(value ?? 0);
    }

    private static long? ReadOptionalLong(this BinaryReader r)
    {
        bool present = r.ReadBoolean();
        long value = r.ReadInt64();
        return present ? value : null;
    }

    /// <summary>An actor reference by its full path with the node's address, resolved on the reading node.</summary>
    public static void Write(this BinaryWriter w, IActorRef? actor)
    {
        w.Write(actor is not null && !actor.IsNobody());
        w.Write(actor is null || actor.IsNobody() ? "" : Akka.Serialization.Serialization.SerializedActorPath(actor));
    }

    public static IActorRef? ReadActorRef(this BinaryReader r, ExtendedActorSystem system)
    {
        bool present = r.ReadBoolean();
        string path = r.ReadString();
        return present ? system.Provider.ResolveActorRef(path) : null;
    }
}
