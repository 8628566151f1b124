using System.Globalization;
using System.Text;
using System.Text.Json;
using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;

namespace PartLy.Core.Bench;

/// <summary>Writes a bench report as JSON (the schema later tools rely on) or CSV, atomically.</summary>
public static class ReportWriter
{
    public static void WriteJson(BenchReport report, string path) =>
        AtomicFile.Write(path, stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            json.WriteStartObject();
            json.WriteString("workload", report.Workload);
            json.WriteNumber("partitions", report.Partitions);
            if (int.TryParse(report.Batch, NumberStyles.None, CultureInfo.InvariantCulture, out int batchTuples)) json.WriteNumber("batch", batchTuples);
            else json.WriteString("batch", report.Batch);
            json.WriteNumber("tuples", report.Tuples);
            json.WriteNumber("batches", report.Batches);
            json.WriteNumber("seed", report.Seed);
            json.WriteStartObject("cost_weights");
            json.WriteNumber("imbalance", report.Weights.Imbalance);
            json.WriteNumber("replication", report.Weights.Replication);
            json.WriteNumber("cardinality", report.Weights.Cardinality);
            json.WriteNumber("migration", report.Weights.Migration);
            json.WriteEndObject();
            json.WriteStartArray("results");
            foreach (var r in report.Results)
            {
                json.WriteStartObject();
                json.WriteString("strategy", r.Strategy);
                json.WriteString("name", r.Name);
                json.WriteString("mode", r.Mode == InformationMode.Online ? "online" : "buffered");
                WriteStat(json, "batch_imbalance", r.SizeImbalance);
                WriteStat(json, "batch_replication", r.Replication);
                WriteStat(json, "batch_weighted_replication", r.WeightedReplication);
                WriteStat(json, "batch_cardinality_imbalance", r.CardinalityImbalance);
                WriteStat(json, "batch_split_keys", r.SplitKeys);
                WriteStat(json, "batch_extra_fragments", r.ExtraFragments);
                WriteStat(json, "batch_migration", r.Migration);
                WriteStat(json, "batch_processing_time", r.ProcessingTime);
                WriteStat(json, "batch_cost", r.Cost);
                json.WriteNumber("stream_imbalance", r.StreamImbalance);
                json.WriteNumber("stream_replication", r.StreamReplication);
                json.WriteNumber("tuples_per_second", double.IsFinite(r.TuplesPerSecond) ? r.TuplesPerSecond : 0);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartObject("bounds");
            WriteStat(json, "no_split_floor", report.Bounds.NoSplitFloor);
            WriteStat(json, "replication_floor", report.Bounds.ReplicationFloor);
            WriteStat(json, "weighted_replication_floor", report.Bounds.WeightedReplicationFloor);
            json.WriteEndObject();
            json.WriteEndObject();
        });

    private static void WriteStat(Utf8JsonWriter json, string name, Stat stat)
    {
        json.WriteNumber(name + "_mean", stat.Mean);
        json.WriteNumber(name + "_p95", stat.P95);
        json.WriteNumber(name + "_max", stat.Max);
    }

    public static readonly string[] CsvColumns =
    [
        "strategy", "name", "mode", "workload", "partitions", "batch", "tuples", "batches",
        "batch_imbalance_mean", "batch_imbalance_p95", "batch_imbalance_max",
        "batch_replication_mean", "batch_replication_p95", "batch_replication_max",
        "batch_weighted_replication_mean", "batch_cardinality_imbalance_mean",
        "batch_extra_fragments_mean", "batch_migration_mean", "batch_processing_time_mean", "batch_processing_time_p95", "batch_cost_mean",
        "stream_imbalance", "stream_replication", "tuples_per_second",
    ];

    public static void WriteCsv(BenchReport report, string path) =>
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), bufferSize: 1 << 16, leaveOpen: true);
            writer.WriteLine(string.Join(',', CsvColumns));
            foreach (var r in report.Results)
                writer.WriteLine(string.Join(',',
                    r.Strategy, r.Name, r.Mode.ToString().ToLowerInvariant(), Quote(report.Workload), report.Partitions, report.Batch,
                    report.Tuples, report.Batches,
                    F(r.SizeImbalance.Mean), F(r.SizeImbalance.P95), F(r.SizeImbalance.Max),
                    F(r.Replication.Mean), F(r.Replication.P95), F(r.Replication.Max),
                    F(r.WeightedReplication.Mean), F(r.CardinalityImbalance.Mean),
                    F(r.ExtraFragments.Mean), F(r.Migration.Mean), F(r.ProcessingTime.Mean), F(r.ProcessingTime.P95), F(r.Cost.Mean),
                    F(r.StreamImbalance), F(r.StreamReplication), F(double.IsFinite(r.TuplesPerSecond) ? r.TuplesPerSecond : 0)));
            writer.WriteLine(string.Join(',', "bounds", "Optimal", "bound", Quote(report.Workload), report.Partitions, report.Batch,
                report.Tuples, report.Batches,
                F(report.Bounds.NoSplitFloor.Mean), F(report.Bounds.NoSplitFloor.P95), F(report.Bounds.NoSplitFloor.Max),
                F(report.Bounds.ReplicationFloor.Mean), F(report.Bounds.ReplicationFloor.P95), F(report.Bounds.ReplicationFloor.Max),
                F(report.Bounds.WeightedReplicationFloor.Mean), "", "", "", "", "", "", "", "", ""));
        });

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
    private static string Quote(string s) => s.Contains(',') || s.Contains('"') ? $"\"{s.Replace("\"", "\"\"")}\"" : s;
}
