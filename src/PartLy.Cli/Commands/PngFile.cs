namespace PartLy.Cli.Commands;

/// <summary>Writes a chart as a PNG the way every report is written: to a temporary file, then renamed.</summary>
public static class PngFile
{
    public static void Save(ScottPlot.Plot plot, string path, int width, int height)
    {
        string temporary = path + ".tmp.png";
        plot.SavePng(temporary, width, height);
        File.Move(temporary, path, overwrite: true);
    }
}
