using System.Globalization;
using ScottPlot;
using StreamPipeline.Attacks;

namespace StreamPipeline.Cli.Reporting;

/// <summary>
/// Figure 2 (right) of the paper: robust accuracy on the original test set vs the attack's eps, one line per training set.
/// Written as a PNG and a CSV of the same points; the PNG is drawn from the CSV's own text, so the two cannot disagree.
/// </summary>
public static class RobustnessCurves
{
    /// <summary>The CSV header, one row per point.</summary>
    public static IReadOnlyList<string> CsvHeader { get; } = ["training_set", "eps", "robust_accuracy"];

    /// <summary>
    /// Writes <paramref name="pngPath"/> and the CSV beside it (<see cref="PlotFiles.For"/>). The title names the number of
    /// test images and the attack (norm, PGD steps, step size relative to eps, as <see cref="RobustnessSweep"/> runs it).
    /// </summary>
    public static PlotFiles Write(string pngPath, IReadOnlyList<RobustnessCurvePoint> points, long images, AttackSettings attack)
    {
        var files = PlotFiles.For(pngPath);
        var csv = ToCsv(points);
        using var plot = Draw(Parse(csv, files.Csv), images, attack);
        PlotRendering.Write(files, csv, plot);
        return files;
    }

    /// <summary>The points of a CSV this class wrote, in file order.</summary>
    public static IReadOnlyList<RobustnessCurvePoint> ReadCsv(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>The figure itself (one scatter line per training set, in order of first appearance), e.g. for another size or SVG.</summary>
    public static Plot Draw(IReadOnlyList<RobustnessCurvePoint> points, long images, AttackSettings attack)
    {
        Check(points);
        ArgumentNullException.ThrowIfNull(attack);
        if (images < 1) throw new ArgumentException($"the number of test images must be positive, got {images}", nameof(images));
        var font = PlotRendering.FontFamily();
        var norm = Names.Norm.Of(attack.Norm).ToUpperInvariant();
        var inv = CultureInfo.InvariantCulture;

        var plot = new Plot();
        foreach (var set in points.GroupBy(p => p.TrainingSet))
        {
            var line = set.OrderBy(p => p.Eps).ToArray();
            var scatter = plot.Add.Scatter(line.Select(p => p.Eps).ToArray(), line.Select(p => p.RobustAccuracy).ToArray());
            scatter.LegendText = set.Key;
            scatter.LineWidth = 2;
            scatter.MarkerSize = 7;
        }
        plot.Title($"Robust accuracy vs eps: {images.ToString("N0", inv)} test images, {norm} PGD-{attack.Steps} " +
                   $"(step {(attack.StepSize / attack.Eps).ToString("0.###", inv)}·eps)");
        plot.XLabel($"eps ({norm} radius of the attack)");
        plot.YLabel("robust accuracy on the original test set");
        plot.Axes.Left.TickGenerator = PlotRendering.PercentTicks();
        plot.Axes.SetLimitsY(-0.02, 1.02);
        var maxEps = points.Max(p => p.Eps);
        plot.Axes.SetLimitsX(-0.03 * Math.Max(maxEps, 1e-9), 1.03 * Math.Max(maxEps, 1e-9));
        plot.ShowLegend(Alignment.UpperRight);
        plot.Font.Set(font);
        return plot;
    }

    private static string ToCsv(IReadOnlyList<RobustnessCurvePoint> points)
    {
        Check(points);
        return PlotCsv.Format(CsvHeader, points.Select(p => (IReadOnlyList<string>)
            [p.TrainingSet, PlotCsv.Number(p.Eps), PlotCsv.Number(p.RobustAccuracy)]));
    }

    private static List<RobustnessCurvePoint> Parse(string csv, string source) =>
        PlotCsv.Parse(csv, CsvHeader, source)
            .Select((r, i) => new RobustnessCurvePoint(r[0], PlotCsv.ParseNumber(r[1], source, i + 1), PlotCsv.ParseNumber(r[2], source, i + 1)))
            .ToList();

    private static void Check(IReadOnlyList<RobustnessCurvePoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count == 0) throw new ArgumentException("a robustness plot needs at least one point", nameof(points));
        foreach (var p in points)
        {
            PlotRendering.CheckName(p.TrainingSet, "a training set");
            if (!(double.IsFinite(p.Eps) && p.Eps >= 0))
                throw new ArgumentException($"{p.TrainingSet}: eps must be finite and not negative, got {p.Eps.ToString(CultureInfo.InvariantCulture)}");
            PlotRendering.CheckFraction(p.RobustAccuracy, $"{p.TrainingSet} at eps {p.Eps.ToString(CultureInfo.InvariantCulture)}: robust accuracy");
        }
        var twice = points.GroupBy(p => (p.TrainingSet, p.Eps)).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
            throw new ArgumentException($"{twice.Key.TrainingSet} has {twice.Count()} points at eps {twice.Key.Eps.ToString(CultureInfo.InvariantCulture)}");
    }
}
