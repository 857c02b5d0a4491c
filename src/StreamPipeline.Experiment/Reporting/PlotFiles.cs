namespace StreamPipeline.Experiment.Reporting;

/// <summary>The two files of one plot: the PNG and, beside it under the same name, the CSV of the points it shows.</summary>
public sealed record PlotFiles(string Png, string Csv)
{
    /// <summary>The files of the plot written to <paramref name="pngPath"/>; the CSV is the same path with the extension .csv.</summary>
    public static PlotFiles For(string pngPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pngPath);
        if (!pngPath.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"a plot is written as PNG: the path must end in .png, got {pngPath}", nameof(pngPath));
        return new PlotFiles(pngPath, Path.ChangeExtension(pngPath, ".csv"));
    }
}
