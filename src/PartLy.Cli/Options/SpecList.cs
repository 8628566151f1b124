using PartLy.Core;

namespace PartLy.Cli.Options;

/// <summary>
/// A comma-separated list of specs as a flag takes it (<c>hash,pkg:d=5</c>): a piece with '=' but no ':' continues
/// the parameters of the piece before it (<c>greedy:slack=0.01,mode=online</c>), and <c>all</c> stands for every name.
/// </summary>
public static class SpecList
{
    public static List<string> Split(string? text, IReadOnlyList<string> all, string flag, string example)
    {
        var specs = new List<string>();
        if (string.IsNullOrWhiteSpace(text)) specs.AddRange(all);
        else
            foreach (string piece in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (piece.Contains('=') && !piece.Contains(':') && specs.Count > 0) specs[^1] += "," + piece;
                else if (piece.Equals("all", StringComparison.OrdinalIgnoreCase)) specs.AddRange(all);
                else specs.Add(piece);
            }
        // The parser hands a flag without a value its default command's name.
        if (specs.Count == 0 || specs.Contains("__default_command")) throw new InputException($"{flag}: a value is missing (a list such as {example} or all)");
        return specs;
    }
}
