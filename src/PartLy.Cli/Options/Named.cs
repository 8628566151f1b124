using System.Globalization;
using PartLy.Core;

namespace PartLy.Cli.Options;

/// <summary>
/// A value with the name of where it came from: the flag when the user gave it, else the configuration key. Every
/// check says that name, so that a value is held to the same rule whether it comes from a flag or a file.
/// </summary>
public readonly record struct Named<T>(T Value, string Name)
{

    /// <summary>Parses the value; a library's <see cref="InputException"/> is prefixed with the name.</summary>
    public TResult Parse<TResult>(Func<T, TResult> parse)
    {
        try { return parse(Value); }
        catch (InputException e) when (!e.Message.StartsWith(Name, StringComparison.Ordinal)) { throw new InputException($"{Name}: {e.Message}"); }
    }
}

public static class Check
{
    /// <summary>The flag's value when given, else the configured one, each with its name.</summary>
    public static Named<T> Pick<T>(T? flag, string flagName, T configured, string key) where T : struct =>
        flag is { } v ? new(v, flagName) : new(configured, key);

    public static Named<string> Pick(string? flag, string flagName, string configured, string key) =>
        flag is not null ? new(flag, flagName) : new(configured, key);

    public static int AtLeast(Named<int> v, int minimum) =>
        v.Value >= minimum ? v.Value : throw new InputException($"{v.Name} must be at least {minimum}, got {v.Value}");

    public static long AtLeast(Named<long> v, long minimum) =>
        v.Value >= minimum ? v.Value : throw new InputException($"{v.Name} must be at least {minimum}, got {v.Value}");

    public static string OneOf(Named<string> v, params string[] allowed)
    {
        string value = v.Value.ToLowerInvariant();
        return allowed.Contains(value) ? value : throw new InputException($"{v.Name} '{v.Value}' is not one of {string.Join(", ", allowed)}");
    }

    public static string F(double v) => v.ToString(CultureInfo.InvariantCulture);
}
