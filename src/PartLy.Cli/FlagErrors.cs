using System.Reflection;
using System.Text.RegularExpressions;
using Spectre.Console.Cli;

namespace PartLy.Cli;

/// <summary>
/// Turns the command-line parser's own messages into ones that name the flag and the form it expects
/// (<c>--partitions: 'abc' is not a whole number</c> instead of <c>Failed to convert 'abc' to Nullable`1</c>).
/// </summary>
internal static partial class FlagErrors
{
    [GeneratedRegex("^Failed to convert '(?<value>.*)' to ")]
    private static partial Regex ConversionFailure();

    [GeneratedRegex("'(?<option>__default_command|[^']*)'")]
    private static partial Regex Quoted();

    public static string Explain(string message, string[] args, IEnumerable<Type> settingsTypes)
    {
        var conversion = ConversionFailure().Match(message);
        if (conversion.Success)
        {
            string value = conversion.Groups["value"].Value;
            int at = Array.IndexOf(args, value);
            string flag = at > 0 && args[at - 1].StartsWith("--", StringComparison.Ordinal) ? args[at - 1] : "a flag";
            return $"{flag}: '{value}' is not {ExpectedForm(flag, settingsTypes)}";
        }
        if (message.Contains("__default_command", StringComparison.Ordinal) || message.Contains("no value has been provided", StringComparison.OrdinalIgnoreCase))
        {
            string? flag = args.LastOrDefault(a => a.StartsWith("--", StringComparison.Ordinal));
            return flag is null ? message : $"{flag}: a value is missing";
        }
        return message;
    }

    /// <summary>The form a flag's value takes, from the type of the settings property behind it.</summary>
    private static string ExpectedForm(string flag, IEnumerable<Type> settingsTypes)
    {
        foreach (var type in settingsTypes)
            foreach (var property in type.GetProperties())
            {
                var option = property.GetCustomAttribute<CommandOptionAttribute>();
                if (option is null || !option.LongNames.Contains(flag.TrimStart('-'))) continue;
                var t = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
                if (t == typeof(ulong)) return "a whole number, 0 or more";
                if (t == typeof(int) || t == typeof(long)) return "a whole number (1000000, not 1e6)";
                if (t == typeof(double)) return "a number";
            }
        return "a valid value";
    }
}
