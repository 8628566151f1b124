using System.Collections.Immutable;
using System.Runtime.InteropServices;
using PartLy.Core.Metrics;
using PartLy.Core.Scheduling;
using PartLy.Learning.Training;

namespace PartLy.Actors.Serialization;

/// <summary>The binary forms of the values PartLy's messages carry (little-endian, arrays length-prefixed).</summary>
internal static class WireFormat
{
    public static void WriteInts(this BinaryWriter writer, ImmutableArray<int> values)
    {
        var span = values.IsDefault ? [] : values.AsSpan();
        writer.Write(span.Length);
        writer.Write(MemoryMarshal.AsBytes(span));
    }

    public static ImmutableArray<int> ReadInts(this BinaryReader reader) => ImmutableCollectionsMarshal.AsImmutableArray(ReadArray<int>(reader));

    public static void WriteFloats(this BinaryWriter writer, ImmutableArray<float> values)
    {
        var span = values.IsDefault ? [] : values.AsSpan();
        writer.Write(span.Length);
        writer.Write(MemoryMarshal.AsBytes(span));
    }

    public static ImmutableArray<float> ReadFloats(this BinaryReader reader) => ImmutableCollectionsMarshal.AsImmutableArray(ReadArray<float>(reader));

    private static T[] ReadArray<T>(BinaryReader reader) where T : unmanaged
    {
        int length = reader.ReadInt32();
        if (length < 0) throw new InvalidDataException($"negative array length {length}");
        var values = new T[length];
        int read = reader.Read(MemoryMarshal.AsBytes(values.AsSpan()));
        if (read != length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>()) throw new EndOfStreamException("truncated array");
        return values;
    }

    public static void WriteDoubles(this BinaryWriter writer, ImmutableArray<double> values)
    {
        var span = values.IsDefault ? [] : values.AsSpan();
        writer.Write(span.Length);
        writer.Write(MemoryMarshal.AsBytes(span));
    }

    public static ImmutableArray<double> ReadDoubles(this BinaryReader reader) => ImmutableCollectionsMarshal.AsImmutableArray(ReadArray<double>(reader));

    public static void Write(this BinaryWriter writer, in BatchMetrics m)
    {
        writer.Write(m.Tuples); writer.Write(m.Keys); writer.Write(m.Partitions);
        writer.Write(m.SizeImbalance); writer.Write(m.CardinalityImbalance); writer.Write(m.Replication); writer.Write(m.WeightedReplication);
        writer.Write(m.SplitKeys); writer.Write(m.ExtraFragments); writer.Write(m.Migration); writer.Write(m.ProcessingTime);
    }

    public static BatchMetrics ReadMetrics(this BinaryReader r) =>
        new(r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadDouble());

    public static void Write(this BinaryWriter writer, in BatchTiming t)
    {
        writer.Write(t.Index); writer.Write(t.Partitions); writer.Write(t.Ready); writer.Write(t.Start); writer.Write(t.ProcessingTime);
        writer.Write(t.Delay); writer.Write(t.Latency); writer.Write(t.Late); writer.Write(t.OverInterval); writer.Write(t.Rescaled);
        writer.Write(t.Migrated); writer.Write(t.MigrationFloor); writer.Write(t.Tuples);
    }

    public static BatchTiming ReadTiming(this BinaryReader r) =>
        new(r.ReadInt64(), r.ReadInt32(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble(), r.ReadBoolean(), r.ReadBoolean(),
            r.ReadBoolean(), r.ReadDouble(), r.ReadDouble(), r.ReadInt32());

    public static void Write(this BinaryWriter writer, BatchSketch? sketch)
    {
        writer.Write(sketch is not null);
        if (sketch is null) return;
        writer.Write(sketch.Tuples);
        writer.Write(sketch.DistinctKeys);
        writer.Write(sketch.Heaviest.Count);
        foreach (long count in sketch.Heaviest) writer.Write(count);
    }

    public static BatchSketch? ReadSketch(this BinaryReader r)
    {
        if (!r.ReadBoolean()) return null;
        int tuples = r.ReadInt32();
        double distinct = r.ReadDouble();
        var heaviest = new long[r.ReadInt32()];
        for (int i = 0; i < heaviest.Length; i++) heaviest[i] = r.ReadInt64();
        return new BatchSketch(tuples, distinct, heaviest);
    }

    public static void Write(this BinaryWriter writer, TrainingOptions o)
    {
        writer.Write(o.Scenario); writer.Write((int)o.Mode);
        writer.Write(o.Weights.Imbalance); writer.Write(o.Weights.Replication); writer.Write(o.Weights.Cardinality); writer.Write(o.Weights.Migration);
        var l = o.Learner;
        writer.Write(l.Algorithm); writer.Write(l.LearningRate); writer.Write(l.AnnealLearningRate); writer.Write(l.Epochs); writer.Write(l.Minibatches);
        writer.Write(l.Clip); writer.Write(l.GaeLambda); writer.Write(l.EntropyCoefficient); writer.Write(l.ValueCoefficient); writer.Write(l.MaxGradNorm);
        writer.Write(l.EpisodesPerUpdate); writer.Write(l.Hidden);
        writer.Write(o.Batches); writer.Write(o.Seed);
        writer.Write(o.Cost is not null);
        if (o.Cost is { } c) { writer.Write(c.PerTuple); writer.Write(c.PerDistinctKey); writer.Write(c.PerExtraFragment); writer.Write(c.PerPartition); }
        writer.Write(o.Slack);
    }

    public static TrainingOptions ReadTrainingOptions(this BinaryReader r)
    {
        string scenario = r.ReadString();
        var mode = (Core.Partitioning.InformationMode)r.ReadInt32();
        var weights = new CostWeights(r.ReadDouble(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble());
        var learner = new Learning.Algorithms.LearnerOptions(r.ReadString(), r.ReadDouble(), r.ReadBoolean(), r.ReadInt32(), r.ReadInt32(),
            r.ReadDouble(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble(), r.ReadInt32(), r.ReadInt32());
        int batches = r.ReadInt32();
        ulong seed = r.ReadUInt64();
        var cost = r.ReadBoolean() ? new CostModel(r.ReadDouble(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble()) : null;
        return new TrainingOptions(scenario, mode, weights, learner, batches, seed, cost, r.ReadDouble());
    }

    public static void Write(this BinaryWriter writer, PolicyWeights w)
    {
        writer.Write(w.Version);
        writer.WriteFloats(w.Scorer);
        writer.WriteFloats(w.Value);
        writer.Write(w.UpdateSeconds);
        writer.Write(w.EpisodesDropped);
    }

    public static PolicyWeights ReadWeights(this BinaryReader r) => new(r.ReadInt32(), r.ReadFloats(), r.ReadFloats(), r.ReadDouble(), r.ReadInt32());

    public static void Write(this BinaryWriter writer, BatchCompleted b)
    {
        writer.Write(b.Sequence); writer.Write(b.Metrics); writer.Write(b.Reward); writer.Write(b.ReferenceReward);
        writer.Write(b.Decisions); writer.Write(b.PolicyVersion); writer.Write(b.Stream); writer.Write(b.PlacingSeconds);
        writer.Write(b.Service); writer.Write(b.CompletedSeconds);
    }

    public static void Write(this BinaryWriter writer, ServiceMeasure? service)
    {
        writer.Write(service is not null);
        if (service is null) return;
        writer.Write(service.MeasuredSeconds); writer.Write(service.PredictedSeconds);
    }

    public static ServiceMeasure? ReadService(this BinaryReader reader) => reader.ReadBoolean() ? new ServiceMeasure(reader.ReadDouble(), reader.ReadDouble()) : null;

    public static BatchCompleted ReadBatchCompleted(this BinaryReader r) =>
        new(r.ReadInt64(), r.ReadMetrics(), r.ReadDouble(), r.ReadDouble(), r.ReadInt32(), r.ReadInt32(), r.ReadString(), r.ReadDouble(), r.ReadService(), r.ReadDouble());

    public static void Write(this BinaryWriter writer, EpisodeRecord e)
    {
        writer.Write(e.Episode); writer.Write(e.Reward); writer.Write(e.ReferenceReward); writer.Write(e.Imbalance); writer.Write(e.Replication);
        writer.Write(e.Decisions); writer.Write(e.Partitions); writer.Write(e.Cell);
    }

    public static EpisodeRecord ReadEpisode(this BinaryReader r) =>
        new(r.ReadInt64(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble(), r.ReadInt32(), r.ReadInt32(), r.ReadString());

    public static void WriteList<T>(this BinaryWriter writer, IReadOnlyList<T> items, Action<BinaryWriter, T> write)
    {
        writer.Write(items.Count);
        foreach (var item in items) write(writer, item);
    }

    public static T[] ReadList<T>(this BinaryReader reader, Func<BinaryReader, T> read)
    {
        int count = reader.ReadInt32();
        if (count < 0) throw new InvalidDataException($"negative list length {count}");
        var items = new T[count];
        for (int i = 0; i < count; i++) items[i] = read(reader);
        return items;
    }

    /// <summary>Delivery counters, or none (a flag byte first).</summary>
    public static void Write(this BinaryWriter writer, DeliveryCounters? counters)
    {
        writer.Write(counters is not null);
        if (counters is null) return;
        writer.Write(counters.WorkersLost); writer.Write(counters.BlocksResent); writer.Write(counters.DuplicatesDropped); writer.Write(counters.LongestWaitSeconds);
        writer.Write(counters.TuplesPlaced); writer.Write(counters.TuplesReported);
    }

    public static DeliveryCounters? ReadDelivery(this BinaryReader reader) =>
        reader.ReadBoolean() ? new DeliveryCounters(reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadDouble(), reader.ReadInt64(), reader.ReadInt64()) : null;
}
