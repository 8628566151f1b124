using Akka.Configuration;
using PartLy.Core;

namespace PartLy.Actors.Configuration;

/// <summary>
/// What Akka's HOCON parser lets through: unbalanced braces and brackets (an unclosed section is read as if closed),
/// and keys under <c>partly</c> that no setting has (a typo is silently ignored). Both are errors here, naming the
/// file and line, or the key and its nearest known neighbour.
/// </summary>
public static class HoconCheck
{
    public static void Balanced(string path, string text)
    {
        var open = new Stack<(char Bracket, int Line)>();
        int line = 1;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\n') { line++; continue; }
            if (c == '"') { i = SkipString(text, i, ref line); continue; }
            if (c == '#' || (c == '/' && i + 1 < text.Length && text[i + 1] == '/')) { while (i + 1 < text.Length && text[i + 1] != '\n') i++; continue; }
            if (c is '{' or '[') open.Push((c, line));
            else if (c is '}' or ']')
            {
                char expected = c == '}' ? '{' : '[';
                if (open.Count == 0 || open.Peek().Bracket != expected) throw new InputException($"{path}:{line}: '{c}' closes nothing that was opened");
                open.Pop();
            }
        }
        if (open.Count > 0) throw new InputException($"{path}:{open.Peek().Line}: '{open.Peek().Bracket}' is never closed");
    }

    private static int SkipString(string text, int at, ref int line)
    {
        if (text.AsSpan(at).StartsWith("\"\"\""))
        {
            int end = text.IndexOf("\"\"\"", at + 3, StringComparison.Ordinal);
            for (int i = at; i < (end < 0 ? text.Length : end); i++) if (text[i] == '\n') line++;
            return end < 0 ? text.Length : end + 2;
        }
        for (int i = at + 1; i < text.Length; i++)
        {
            if (text[i] == '\\') { i++; continue; }
            if (text[i] == '"' || text[i] == '\n') return i;
        }
        return text.Length;
    }

    /// <summary>Every key under <c>partly</c> in <paramref name="user"/> must be one the defaults have.</summary>
    public static void KnownKeys(Config user, Config defaults, string file)
    {
        var known = Leaves(defaults.GetConfig("partly"), "partly").ToHashSet();
        var prefixes = known.SelectMany(k => Prefixes(k)).ToHashSet();
        foreach (string key in Leaves(user.GetConfig("partly"), "partly"))
            if (!known.Contains(key) && !known.Any(k => key.StartsWith(k + ".", StringComparison.Ordinal)) && !prefixes.Contains(key))
            {
                string nearest = known.MinBy(k => Distance(k, key))!;
                throw new InputException($"{file}: unknown setting '{key}' (did you mean '{nearest}'?)");
            }
    }

    private static IEnumerable<string> Prefixes(string key)
    {
        for (int i = key.IndexOf('.'); i >= 0; i = key.IndexOf('.', i + 1)) yield return key[..i];
    }

    private static IEnumerable<string> Leaves(Config? config, string prefix)
    {
        if (config is null || config.IsEmpty) yield break;
        foreach (var (name, value) in config.Root.GetObject().Items)
        {
            if (value.IsObject()) foreach (string leaf in Leaves(config.GetConfig(name), $"{prefix}.{name}")) yield return leaf;
            else yield return $"{prefix}.{name}";
        }
    }

    private static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }
}
