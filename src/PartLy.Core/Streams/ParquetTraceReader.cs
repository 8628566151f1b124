using System.Globalization;
using Parquet;
using Parquet.Schema;

namespace PartLy.Core.Streams;

/// <summary>
/// The rows of a Parquet trace, one row group in memory at a time (memory flat in the file's size): a key column
/// (strings or whole numbers) and, when asked, a time column (timestamps, or numbers in the trace's unit), each by
/// name or 0-based index. A file that is not Parquet, is truncated, or has a corrupt row group is an error that names
/// the file and the row group. Parquet.Net reads asynchronously; a trace is read on the caller's thread.
/// </summary>
internal sealed class ParquetTraceReader : IDisposable
{
    private readonly string _path;
    private readonly ParquetReader _reader;
    private readonly DataField _keyField;
    private readonly DataField? _timeField;
    private readonly TraceTime _time;
    private int _group = -1;
    private int _row, _rows;
    private string?[] _keyStrings = [];
    private long[] _keyNumbers = [];
    private double[] _times = [];
    private readonly char[] _number = new char[24];

    public ParquetTraceReader(string path, string keyColumn, string? timeColumn, TraceTime time)
    {
        _path = path;
        _time = time;
        try { _reader = ParquetReader.CreateAsync(path, null, default).GetAwaiter().GetResult(); }
        catch (Exception e) when (e is IOException or Parquet.Meta.Proto.ThriftProtocolException or InvalidDataException or NotSupportedException)
        {
            throw new InputException($"{path}: not a readable Parquet file (truncated or not Parquet): {e.Message}");
        }
        var fields = _reader.Schema.DataFields;
        _keyField = Resolve(fields, keyColumn, "key column");
        if (!IsKeyType(_keyField.ClrType))
            throw new InputException($"{path}: key column '{_keyField.Name}' holds {_keyField.ClrType.Name}; a key column holds strings or whole numbers");
        _timeField = timeColumn is null ? null : Resolve(fields, timeColumn, "time column");
        if (_timeField is not null && !IsTimeType(_timeField.ClrType))
            throw new InputException($"{path}: time column '{_timeField.Name}' holds {_timeField.ClrType.Name}; a time column holds timestamps or numbers");
    }

    /// <summary>The next row's key (as text) and stream time (0 without a time column); false at the end.</summary>
    public bool Next(out ReadOnlySpan<char> key, out long time)
    {
        key = default;
        time = 0;
        while (_row == _rows)
        {
            if (_group + 1 >= _reader.RowGroupCount) return false;
            LoadGroup(++_group);
        }
        int r = _row++;
        if (_keyNumbers.Length > 0)
        {
            _keyNumbers[r].TryFormat(_number, out int written, default, CultureInfo.InvariantCulture);
            key = _number.AsSpan(0, written);
        }
        else key = _keyStrings[r] ?? throw Malformed($"row {r}: the key is null");
        if (_timeField is not null && !_time.TryAccept(_times[r], _times[r].ToString(CultureInfo.InvariantCulture), out time, out string error))
            throw Malformed($"row {r}: {error}");
        return true;
    }

    private InputException Malformed(string what) => new($"{_path}: row group {_group}: {what}");

    private void LoadGroup(int group)
    {
        try
        {
            using var reader = _reader.OpenRowGroupReader(group);
            int rows = checked((int)reader.RowCount);
            _row = 0;
            _rows = rows;
            if (_keyField.ClrType == typeof(string) || _keyField.ClrType == typeof(ReadOnlyMemory<char>))
            {
                if (_keyStrings.Length < rows) _keyStrings = new string?[rows];
                reader.ReadAsync(_keyField, _keyStrings.AsMemory(0, rows), null, default).AsTask().GetAwaiter().GetResult();
            }
            else
            {
                if (_keyNumbers.Length < rows) _keyNumbers = new long[rows];
                ReadNumbers(reader, _keyField, _keyNumbers.AsSpan(0, rows), rows);
                _keyStrings = [];
            }
            if (_timeField is not null) ReadTimes(reader, _timeField, rows);
        }
        catch (InputException) { throw; }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InputException($"{_path}: row group {group} of {_reader.RowGroupCount} cannot be read (corrupt or truncated): {e.Message}");
        }
    }

    private void ReadTimes(ParquetRowGroupReader reader, DataField field, int rows)
    {
        if (_times.Length < rows) _times = new double[rows];
        if (field.ClrType == typeof(DateTime))
        {
            var values = ReadValues<DateTime>(reader, field, rows);
            for (int i = 0; i < rows; i++) _times[i] = TraceTime.SinceEpoch(values[i]);
        }
        else if (field.ClrType == typeof(DateTimeOffset))
        {
            var values = ReadValues<DateTimeOffset>(reader, field, rows);
            for (int i = 0; i < rows; i++) _times[i] = TraceTime.SinceEpoch(values[i].UtcDateTime);
        }
        else if (field.ClrType == typeof(double) || field.ClrType == typeof(float))
        {
            double[] values;
            if (field.ClrType == typeof(double)) values = ReadValues<double>(reader, field, rows);
            else
            {
                var floats = ReadValues<float>(reader, field, rows);
                values = new double[rows];
                for (int i = 0; i < rows; i++) values[i] = floats[i];
            }
            for (int i = 0; i < rows; i++) _times[i] = _time.Numeric(values[i]);
        }
        else
        {
            var values = new long[rows];
            ReadNumbers(reader, field, values, rows);
            for (int i = 0; i < rows; i++) _times[i] = _time.Numeric(values[i]);
        }
    }

    private void ReadNumbers(ParquetRowGroupReader reader, DataField field, Span<long> into, int rows)
    {
        if (field.ClrType == typeof(long))
        {
            ReadValues<long>(reader, field, rows).CopyTo(into);
            return;
        }
        var ints = ReadValues<int>(reader, field, rows);
        for (int i = 0; i < rows; i++) into[i] = ints[i];
    }

    /// <summary>A column's values in the open row group; a null in a nullable column is an error naming the row.</summary>
    private T[] ReadValues<T>(ParquetRowGroupReader reader, DataField field, int rows) where T : struct
    {
        var values = new T[rows];
        if (!field.IsNullable)
        {
            reader.ReadAsync<T>(field, values, null, default).AsTask().GetAwaiter().GetResult();
            return values;
        }
        var nullable = new T?[rows];
        reader.ReadAsync<T>(field, nullable, null, default).AsTask().GetAwaiter().GetResult();
        for (int i = 0; i < rows; i++) values[i] = nullable[i] ?? throw Malformed($"row {i}: column '{field.Name}' is null");
        return values;
    }

    private static bool IsKeyType(Type type) => type == typeof(string) || type == typeof(ReadOnlyMemory<char>) || type == typeof(int) || type == typeof(long);

    private static bool IsTimeType(Type type) => type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(long) || type == typeof(int) || type == typeof(double) || type == typeof(float);

    private DataField Resolve(DataField[] fields, string column, string what)
    {
        var byName = Array.Find(fields, f => f.Name == column);
        if (byName is not null) return byName;
        if (int.TryParse(column, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            return index < fields.Length ? fields[index] : throw new InputException($"{_path}: {what} {column} is out of range: the file has {fields.Length} columns");
        throw new InputException($"{_path}: {what} '{column}' is not a column of the file (columns: {string.Join(", ", fields.Select(f => f.Name))})");
    }

    public void Dispose() => _reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
