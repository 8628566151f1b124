using Serilog.Core;
using Serilog.Events;

namespace PartLy.Actors;

/// <summary>
/// The log lines a user sees on standard error: "[HH:mm:ss LVL] message", one line per event, without the stack
/// traces Akka's remoting puts in its messages and exceptions when a node dies (the log file keeps them whole).
/// </summary>
internal sealed class ConsoleLogSink(LogEventLevel minimum) : ILogEventSink
{
    private static readonly object Gate = new();
    private static readonly Serilog.Formatting.Display.MessageTemplateTextFormatter Literal = new("{Message:lj}", System.Globalization.CultureInfo.InvariantCulture);

    public void Emit(LogEvent logEvent)
    {
        if (logEvent.Level < minimum) return;
        var rendered = new StringWriter();
        Literal.Format(logEvent, rendered);
        string message = WithoutStack(rendered.ToString());
        if (logEvent.Exception is { } e && !message.Contains(e.Message, StringComparison.Ordinal)) message += $" ({e.GetType().Name}: {WithoutStack(e.Message)})";
        string line = $"[{logEvent.Timestamp:HH:mm:ss} {Level(logEvent.Level)}] {message}";
        lock (Gate) Console.Error.WriteLine(line);
    }

    /// <summary>The text up to its first stack frame line ("   at ..."), on one line.</summary>
    internal static string WithoutStack(string text)
    {
        int frame = text.IndexOf("\n   at ", StringComparison.Ordinal);
        if (frame >= 0) text = text[..frame];
        return text.Replace("\r", "", StringComparison.Ordinal).Replace('\n', ' ').TrimEnd();
    }

    private static string Level(LogEventLevel level) => level switch
    {
        LogEventLevel.Verbose => "VRB",
        LogEventLevel.Debug => "DBG",
        LogEventLevel.Information => "INF",
        LogEventLevel.Warning => "WRN",
        LogEventLevel.Error => "ERR",
        _ => "FTL",
    };
}
