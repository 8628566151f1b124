using System.Globalization;
using PartLy.Core.Streams;

namespace PartLy.Core;

/// <summary>
/// A name with parameters, as users write them on the command line: <c>zipf:z=1.5,keys=10000</c> or <c>pkg:d=5</c>.
/// Every parameter must be read; unknown ones are an error naming the allowed set. Errors quote the text; the
/// caller says which flag or setting it came from.
/// </summary>
public sealed class Spec
{
    private readonly Dictionary<string, string> _values;
    private readonly HashSet<string> _read = [];
    private readonly List<string> _resolved = [];

    private Spec(string text, string name, Dictionary<string, string> values)
    {
        Text = text;
        Name = name;
        _values = values;
    }

    public string Name { get; }
    public string Text { get; }

    /// <summary>Every parameter read, with the value used (given or default): <c>window=60000,slide=1000</c>.</summary>
    public string Resolved => string.Join(',', _resolved);

    public static Spec Parse(string text)
    {
        string trimmed = text.Trim();
        int colon = trimmed.IndexOf(':');
        string name = (colon < 0 ? trimmed : trimmed[..colon]).Trim().ToLowerInvariant();
        if (name.Length == 0) throw new InputException($"'{text}': missing a name");
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (colon >= 0)
        {
            foreach (string part in trimmed[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                int eq = part.IndexOf('=');
                if (eq <= 0 || eq == part.Length - 1) throw new InputException($"'{text}': '{part}' is not name=value");
                if (!values.TryAdd(part[..eq].Trim(), part[(eq + 1)..].Trim()))
                    throw new InputException($"'{text}': parameter '{part[..eq]}' given twice");
            }
        }
        return new Spec(text, name, values);
    }

    public double Double(string key, double fallback, double min = double.NegativeInfinity, double max = double.PositiveInfinity)
    {
        _read.Add(key);
        if (!_values.TryGetValue(key, out string? raw)) return Use(key, fallback);
        if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
            throw new InputException($"'{Text}': {key}={raw} is not a number");
        if (value < min || value > max) throw new InputException($"'{Text}': {key}={raw} is outside [{min}, {max}]");
        return Use(key, value);
    }

    public double? OptionalDouble(string key, double min, double max) =>
        _values.ContainsKey(key) ? Double(key, 0, min, max) : Mark(key);

    public int Int(string key, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        _read.Add(key);
        if (!_values.TryGetValue(key, out string? raw)) return Use(key, fallback);
        if (!int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
            throw new InputException($"'{Text}': {key}={raw} is not a whole number");
        if (value < min || value > max) throw new InputException($"'{Text}': {key}={raw} is outside [{min}, {max}]");
        return Use(key, value);
    }

    public string Choice(string key, string fallback, params string[] allowed)
    {
        _read.Add(key);
        if (!_values.TryGetValue(key, out string? raw)) return Use(key, fallback);
        string value = raw.ToLowerInvariant();
        if (Array.IndexOf(allowed, value) < 0)
            throw new InputException($"'{Text}': {key}={raw} is not one of {string.Join(", ", allowed)}");
        return Use(key, value);
    }

    /// <summary>A parameter's text as given, for values with a grammar of their own; null when absent.</summary>
    public string? Raw(string key)
    {
        _read.Add(key);
        if (!_values.TryGetValue(key, out string? raw)) return null;
        _resolved.Add($"{key}={raw}");
        return raw;
    }

    public bool Has(string key) => _values.ContainsKey(key);

    /// <summary>Fails on any parameter that was not read.</summary>
    public void EnsureAllRead(params string[] allowed)
    {
        foreach (string key in _values.Keys)
            if (!_read.Contains(key))
                throw new InputException($"'{Text}': unknown parameter '{key}' for {Name} (allowed: {(allowed.Length == 0 ? "none" : string.Join(", ", allowed))})");
    }

    private double? Mark(string key) { _read.Add(key); _resolved.Add($"{key}=auto"); return null; }

    private T Use<T>(string key, T value) where T : IFormattable
    {
        _resolved.Add($"{key}={value.ToString(null, CultureInfo.InvariantCulture)}");
        return value;
    }

    private string Use(string key, string value)
    {
        _resolved.Add($"{key}={value}");
        return value;
    }
}
