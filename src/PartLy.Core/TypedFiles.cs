using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using CsvHelper;
using CsvHelper.Configuration;

namespace PartLy.Core;

/// <summary>
/// JSON and CSV written from record types, so that one type is the schema: property names in snake_case, numbers in
/// their shortest round-trip form, written to a temporary file and renamed.
/// </summary>
public static class TypedFiles
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static void WriteJson<T>(string path, T document) =>
        AtomicFile.Write(path, stream => JsonSerializer.Serialize(stream, document, Json));

    /// <summary>One CSV row per record, a header of the property names in snake_case.</summary>
    public static void WriteCsv<T>(string path, IEnumerable<T> rows) =>
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
            using var csv = new CsvWriter(writer, new CsvConfiguration(CultureInfo.InvariantCulture));
            csv.Context.RegisterClassMap(SnakeCaseMap<T>.Instance);
            csv.WriteRecords(rows);
        });

    private sealed class SnakeCaseMap<T> : ClassMap<T>
    {
        public static SnakeCaseMap<T> Instance { get; } = new();

        private SnakeCaseMap()
        {
            AutoMap(CultureInfo.InvariantCulture);
            foreach (var member in MemberMaps) member.Name(JsonNamingPolicy.SnakeCaseLower.ConvertName(member.Data.Member!.Name));
        }
    }
}
