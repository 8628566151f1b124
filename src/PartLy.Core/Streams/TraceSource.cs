using System.Globalization;
using System.IO.Compression;

namespace PartLy.Core.Streams;

public enum TraceFormat { Lines, Words, Csv, Parquet }

/// <summary>How to read a trace file.</summary>
/// <param name="Format">lines: one key per line; words: free text split into lower-case words; csv: a column of a CSV file with a header line; parquet: a column of a Parquet file.</param>
/// <param name="Column">CSV key column: a header name or a 0-based index.</param>
/// <param name="TimeColumn">Optional CSV timestamp column: a header name or a 0-based index.</param>
/// <param name="TimeUnitMicroseconds">Microseconds per unit of a numeric timestamp column (ISO-8601 times need none).</param>
/// <param name="HasHeader">CSV: the first line names the columns (else columns are 0-based indices and the first line is data).</param>
/// <param name="Speedup">Replays the trace's time this many times faster (stream time = trace time / speedup).</param>
public sealed record TraceOptions(TraceFormat Format = TraceFormat.Lines, string? Column = null, string? TimeColumn = null, double TimeUnitMicroseconds = 1000.0, bool HasHeader = true, double Speedup = 1.0);

/// <summary>
/// Streams the keys of a trace file (plain or .gz) with memory that grows with distinct keys, not with file size.
/// Malformed input raises an <see cref="InputException"/> naming the file and line.
/// </summary>
public sealed class TraceSource : ITupleSource
{
    private readonly string _path;
    private readonly TraceOptions _options;
    private readonly TextReader? _reader;
    private readonly ParquetTraceReader? _parquet;
    private readonly KeyDictionary _dictionary = new();
    private readonly List<int> _pendingWords = [];
    private int _pendingIndex;
    private long _line;
    private readonly TraceTime _time;
    private long _tuplesRead;
    private readonly CsvTraceReader? _csv;
    private long _limit;
    private readonly char[] _lowerBuffer = new char[256];

    private long _skip;

    /// <param name="skip">Tuples to pass over first (a held-out test part after the tuples training used).</param>
    public TraceSource(string path, TraceOptions options, long limit = long.MaxValue, long skip = 0)
    {
        _skip = skip;
        _path = path;
        _options = options;
        _limit = limit;
        if (Directory.Exists(path)) throw new InputException($"{path}: is a directory, not a trace file");
        if (!File.Exists(path)) throw new InputException($"{path}: trace file not found");
        bool columns = options.Format is TraceFormat.Csv or TraceFormat.Parquet;
        if (!columns && (options.Column is not null || options.TimeColumn is not null))
            throw new InputException($"a key column and a time column apply to CSV and Parquet traces only (format is {options.Format.ToString().ToLowerInvariant()})");
        if (!(options.Speedup > 0) || !double.IsFinite(options.Speedup)) throw new InputException($"a speedup must be a positive number, got {options.Speedup}");
        if (options.Speedup != 1 && options.TimeColumn is null) throw new InputException("a speedup applies to a trace with a time column only");
        _time = new TraceTime(options.TimeUnitMicroseconds, options.Speedup);
        if (columns && options.Column is null)
            throw new InputException($"{path}: a {options.Format.ToString().ToUpperInvariant()} trace needs a key column (a name or a 0-based index)");
        if (options.Format == TraceFormat.Parquet)
        {
            _parquet = new ParquetTraceReader(path, options.Column!, options.TimeColumn, _time);
            return;
        }
        Stream stream;
        try { stream = File.OpenRead(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new InputException($"{path}: cannot read: {e.Message}"); }
        if (IsGzip(stream))
        {
            if (stream.Length < 18) throw new InputException($"{path}: corrupt gzip data: the file is shorter than a gzip header and trailer");
            stream = new CheckedGzipStream((FileStream)stream);
        }
        _reader = new StreamReader(stream, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        if (options.Format == TraceFormat.Csv) _csv = new CsvTraceReader(path, _reader, options.Column!, options.TimeColumn, options.HasHeader);
    }

    public string Description => $"trace:{Path.GetFileName(_path)}";
    public bool HasTimestamps => _options.Format is TraceFormat.Csv or TraceFormat.Parquet && _options.TimeColumn is not null;
    public int DistinctKeys => _dictionary.Count;

    public int Read(Span<int> keys, Span<long> timestamps)
    {
        if (_skip > 0) Skip(keys, timestamps);
        return ReadTuples(keys, timestamps);
    }

    private void Skip(Span<int> keys, Span<long> timestamps)
    {
        long skipped = 0, limit = _limit;
        _limit = long.MaxValue;
        while (skipped < _skip)
        {
            int n = ReadTuples(keys[..(int)Math.Min(keys.Length, _skip - skipped)], timestamps);
            if (n == 0) throw new InputException($"{_path}: the trace ends after {skipped} tuples, within the {_skip} that training used; give --test-trace FILE or fewer --batches");
            skipped += n;
        }
        _tuplesRead = 0;
        _limit = limit;
        _skip = 0;
    }

    private int ReadTuples(Span<int> keys, Span<long> timestamps)
    {
        int n = 0;
        while (n < keys.Length && _tuplesRead < _limit)
        {
            if (_pendingIndex < _pendingWords.Count)
            {
                keys[n++] = _pendingWords[_pendingIndex++];
                _tuplesRead++;
                continue;
            }
            if (_parquet is not null)
            {
                if (!_parquet.Next(out var keyText, out long time)) break;
                keys[n] = _dictionary.GetOrAdd(keyText);
                if (HasTimestamps) timestamps[n] = time;
                n++;
                _tuplesRead++;
                continue;
            }
            if (_csv is not null)
            {
                if (!_csv.Next(out string keyField, out string timeField)) break;
                keys[n] = _dictionary.GetOrAdd(keyField.AsSpan());
                if (HasTimestamps) timestamps[n] = Timestamp(timeField);
                n++;
                _tuplesRead++;
                continue;
            }
            string? line = ReadLine();
            if (line is null) break;
            switch (_options.Format)
            {
                case TraceFormat.Lines:
                    if (line.Length == 0) throw Malformed("empty key (a key-per-line trace has no blank lines)");
                    keys[n++] = _dictionary.GetOrAdd(line.AsSpan());
                    _tuplesRead++;
                    break;
                case TraceFormat.Words:
                    Tokenize(line);
                    break;
            }
        }
        if (n == 0 && _tuplesRead == 0) throw new InputException($"{_path}: the trace holds no keys");
        return n;
    }

    private string? ReadLine()
    {
        try
        {
            string? line = _reader!.ReadLine();
            if (line is not null) _line++;
            return line;
        }
        catch (InvalidDataException e) { throw new InputException($"{_path}: corrupt gzip data after line {_line}: {e.Message}"); }
        catch (IOException e) { throw new InputException($"{_path}: read failed after line {_line}: {e.Message}"); }
    }

    private InputException Malformed(string what) => new($"{_path}:{_line}: {what}");

    private void Tokenize(string line)
    {
        _pendingWords.Clear();
        _pendingIndex = 0;
        int i = 0;
        while (i < line.Length)
        {
            while (i < line.Length && !char.IsLetterOrDigit(line[i])) i++;
            int start = i;
            while (i < line.Length && (char.IsLetterOrDigit(line[i]) || (line[i] == '\'' && i + 1 < line.Length && char.IsLetter(line[i + 1])))) i++;
            if (i > start) _pendingWords.Add(_dictionary.GetOrAdd(Lower(line.AsSpan(start, i - start))));
        }
    }

    private ReadOnlySpan<char> Lower(ReadOnlySpan<char> word)
    {
        Span<char> buffer = word.Length <= _lowerBuffer.Length ? _lowerBuffer : new char[word.Length];
        int written = word.ToLowerInvariant(buffer);
        return buffer[..written];
    }

    private long Timestamp(string raw) => _time.TryRead(raw, out long time, out string error) ? time : throw _csv!.Malformed(error);

    private static bool IsGzip(Stream stream)
    {
        Span<byte> magic = stackalloc byte[2];
        int read = stream.Read(magic);
        stream.Position = 0;
        return read == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    }

    public void Dispose()
    {
        _csv?.Dispose();
        _reader?.Dispose();
        _parquet?.Dispose();
    }
}
