using System.Globalization;
using Akka.Configuration;
using PartLy.Core;

namespace PartLy.Actors.Configuration;

/// <summary>
/// One HOCON section read strictly: every key must be there (the defaults live in hocon/partly.conf alone), and a
/// value of the wrong type is an error that names the key and the type expected.
/// </summary>
public sealed class Section(Config config, string path)
{
    private Config Config { get; } = config.GetConfig(path) ?? throw new InputException($"configuration: the section '{path}' is missing");

    public string Path => path;

    private string Key(string name) => $"{path}.{name}";

    private Akka.Configuration.Hocon.HoconValue Value(string name)
    {
        var value = Config.GetValue(name);
        if (value is null || value.IsEmpty) throw new InputException($"configuration: {Key(name)} is missing");
        return value;
    }

    public string String(string name)
    {
        var value = Value(name);
        if (!value.IsString()) throw new InputException($"configuration: {Key(name)} must be a string");
        return value.GetString();
    }

    public double Double(string name) =>
        double.TryParse(Scalar(name, "a number"), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v)
            ? v : throw new InputException($"configuration: {Key(name)} must be a number, got '{Scalar(name, "a number")}'");

    public long Long(string name) =>
        long.TryParse(Scalar(name, "a whole number"), NumberStyles.Integer, CultureInfo.InvariantCulture, out long v)
            ? v : throw new InputException($"configuration: {Key(name)} must be a whole number, got '{Scalar(name, "a whole number")}'");

    public int Int(string name)
    {
        long v = Long(name);
        return v is >= int.MinValue and <= int.MaxValue ? (int)v : throw new InputException($"configuration: {Key(name)} = {v} is out of range");
    }

    public IReadOnlyList<double> DoubleList(string name) => List(name, "numbers", s =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : (double?)null);

    public IReadOnlyList<int> IntList(string name) => List(name, "whole numbers", s =>
        int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : (int?)null);

    private string Scalar(string name, string expected)
    {
        var value = Value(name);
        if (!value.IsString()) throw new InputException($"configuration: {Key(name)} must be {expected}");
        return value.GetString();
    }

    private IReadOnlyList<T> List<T>(string name, string expected, Func<string, T?> parse) where T : struct
    {
        var value = Value(name);
        if (!value.IsArray()) throw new InputException($"configuration: {Key(name)} must be a list of {expected}");
        var list = new List<T>();
        foreach (var item in value.GetArray())
        {
            string text = item.IsString() ? item.GetString() : "";
            list.Add(parse(text) ?? throw new InputException($"configuration: {Key(name)} must be a list of {expected}, got '{text}'"));
        }
        return list;
    }
}
