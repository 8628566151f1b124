using System.Globalization;

namespace PartLy.Core.Streams;

/// <summary>
/// A trace's time column read into stream time (microseconds): numbers in the trace's unit, or ISO-8601 timestamps
/// (<c>2001-01-01T00:01:00.000Z</c>, with or without a zone, which then means UTC, and with or without a fraction);
/// the first row decides which, and every row must be the same kind. <c>speedup</c> replays the trace that many times
/// faster (stream time = trace time / speedup).
/// </summary>
internal sealed class TraceTime(double unitMicroseconds, double speedup)
{
    private static readonly string[] IsoFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd' 'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd",
    ];

    private bool? _iso;
    private long _last = long.MinValue;

    /// <summary>The row's stream time; an error message (and false) for a value that is not a time or goes back.</summary>
    public bool TryRead(string raw, out long microseconds, out string error)
    {
        microseconds = 0;
        error = "";
        bool number = double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value);
        _iso ??= !number;
        double traceMicroseconds;
        if (_iso == false)
        {
            if (!number) { error = $"timestamp '{raw}' is not a number (the first row's was)"; return false; }
            traceMicroseconds = value * unitMicroseconds;
        }
        else
        {
            if (!DateTimeOffset.TryParseExact(raw, IsoFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
            {
                error = number ? $"timestamp '{raw}' is a number, the first row's was an ISO-8601 time" : $"timestamp '{raw}' is neither a number nor an ISO-8601 time (2001-01-01T00:01:00.000Z)";
                return false;
            }
            traceMicroseconds = (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / (double)TimeSpan.TicksPerMicrosecond;
        }
        return TryAccept(traceMicroseconds, raw, out microseconds, out error);
    }

    /// <summary>A typed time (microseconds of trace time) into stream time; <paramref name="raw"/> shows it in errors.</summary>
    public bool TryAccept(double traceMicroseconds, string raw, out long microseconds, out string error)
    {
        error = "";
        microseconds = (long)Math.Floor(traceMicroseconds / speedup);
        if (microseconds < _last) { error = $"timestamp {raw} goes back in time (timestamps must not decrease)"; return false; }
        _last = microseconds;
        return true;
    }

    /// <summary>Microseconds of a numeric time column's value in the trace's unit.</summary>
    public double Numeric(double value) => value * unitMicroseconds;

    /// <summary>Microseconds since the Unix epoch of a date and time (one without a kind is UTC).</summary>
    public static double SinceEpoch(DateTime time) =>
        ((time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : time).Ticks - DateTime.UnixEpoch.Ticks) / (double)TimeSpan.TicksPerMicrosecond;
}
