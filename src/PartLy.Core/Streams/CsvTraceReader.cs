using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;

namespace PartLy.Core.Streams;

/// <summary>
/// The rows of a CSV trace (RFC 4180: quoted fields may hold commas, quotes and newlines), read with CsvHelper: a
/// header line names the columns, and each row gives its key field and, when asked, its timestamp field. Errors name
/// the file and the line.
/// </summary>
internal sealed class CsvTraceReader : IDisposable
{
    private readonly string _path;
    private readonly CsvReader _csv;
    private readonly int _keyColumn, _timeColumn;
    private string? _badData;
    private long _lastRow;

    public CsvTraceReader(string path, TextReader reader, string keyColumn, string? timeColumn, bool hasHeader = true)
    {
        _path = path;
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            BadDataFound = args => _badData ??= args.Field,
            MissingFieldFound = null,
            DetectColumnCountChanges = false,
            HasHeaderRecord = hasHeader,
        };
        _csv = new CsvReader(reader, config);
        if (!hasHeader)
        {
            _keyColumn = Index(keyColumn, "key column");
            _timeColumn = timeColumn is null ? -1 : Index(timeColumn, "time column");
            return;
        }
        if (!Guard(() => _csv.Read())) throw new InputException($"{path}: the trace is empty (a CSV trace needs a header line)");
        Guard(() => _csv.ReadHeader());
        var names = _csv.HeaderRecord!;
        _lastRow = _csv.Parser.RawRow;
        _keyColumn = Resolve(names, keyColumn, "key column");
        _timeColumn = timeColumn is null ? -1 : Resolve(names, timeColumn, "time column");
    }

    /// <summary>The line the reader is at (the end of the last row read).</summary>
    public long Line => _csv.Parser.RawRow;

    public InputException Malformed(string what) => new($"{_path}:{Line}: {what}");

    /// <summary>The next row's key field and timestamp field ("" without a time column); false at the end.</summary>
    public bool Next(out string key, out string time)
    {
        key = time = "";
        if (!Guard(() => _csv.Read())) return false;
        if (_badData is not null) throw Malformed($"malformed quoted field '{_badData}'");
        // A row spanning lines holds a quoted newline, or a quote never closed (which runs to the end of the file).
        if (_csv.Parser.RawRow > _lastRow + 1 && _csv.Parser.RawRecord.Count(c => c == '"') % 2 != 0)
            throw new InputException($"{_path}:{_lastRow + 1}: unterminated quoted field");
        _lastRow = _csv.Parser.RawRow;
        int needed = Math.Max(_keyColumn, _timeColumn) + 1, count = _csv.Parser.Count;
        if (count < needed) throw Malformed($"expected at least {needed} fields, found {count}");
        key = _csv.Parser[_keyColumn];
        if (_timeColumn >= 0) time = _csv.Parser[_timeColumn].Trim();
        return true;
    }

    private int Index(string column, string what) =>
        int.TryParse(column, NumberStyles.None, CultureInfo.InvariantCulture, out int index)
            ? index : throw new InputException($"{_path}: without a header line, the {what} is a 0-based index, not '{column}'");

    private int Resolve(string[] names, string column, string what)
    {
        int byName = Array.FindIndex(names, n => n.Trim() == column);
        if (byName >= 0) return byName;
        if (int.TryParse(column, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
        {
            if (index < names.Length) return index;
            throw new InputException($"{_path}:1: {what} {column} is out of range: the header has {names.Length} columns");
        }
        throw new InputException($"{_path}:1: {what} '{column}' is not a column of the header (columns: {string.Join(", ", names)})");
    }

    private T Guard<T>(Func<T> read)
    {
        try { return read(); }
        catch (InvalidDataException e) { throw new InputException($"{_path}: corrupt gzip data after line {Line}: {e.Message}"); }
        catch (IOException e) { throw new InputException($"{_path}: read failed after line {Line}: {e.Message}"); }
        catch (CsvHelperException e) { throw Malformed($"not a valid CSV row: {e.Message.Split('\n')[0]}"); }
    }

    public void Dispose() => _csv.Dispose();
}
