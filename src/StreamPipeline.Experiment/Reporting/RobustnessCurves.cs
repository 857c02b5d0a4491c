using System.Globalization;
using ScottPlot;
using ScottPlot.TickGenerators;
using StreamPipeline.Attacks;

namespace StreamPipeline.Experiment.Reporting;

/// <summary>
/// Figure 2 (right) of the paper: robust accuracy on the original test set vs the attack's eps, one line per training set,
/// each point with its 95% Wilson interval, a dashed chance line, ticks at the eps measured. Written as a PNG and a CSV
/// of the same points (with n and the interval); the PNG is drawn from the CSV's own text, so the two cannot disagree.
/// </summary>
public static class RobustnessCurves
{
    /// <summary>The CSV header, one row per point.</summary>
    public static IReadOnlyList<string> CsvHeader { get; } = ["training_set", "eps", "robust_accuracy", "examples", "ci95_low", "ci95_high"];

    /// <summary>
    /// Writes <paramref name="pngPath"/> and the CSV beside it (<see cref="PlotFiles.For"/>). The title names the number of
    /// test images and the attack (norm, PGD steps, step size relative to eps, as <see cref="RobustnessSweep"/> runs it).
    /// </summary>
    public static PlotFiles Write(string pngPath, IReadOnlyList<RobustnessCurvePoint> points, AttackSettings attack, int classes)
    {
        var files = PlotFiles.For(pngPath);
        var csv = ToCsv(points);
        using var plot = Draw(Parse(csv, files.Csv), attack, classes);
        PlotRendering.Write(files, csv, plot);
        return files;
    }

    /// <summary>The points of a CSV this class wrote, in file order, with the intervals it recorded.</summary>
    public static IReadOnlyList<(RobustnessCurvePoint Point, double Low, double High)> ReadCsv(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>The figure itself (a line and error bars per training set, in order of first appearance), e.g. for another size or SVG.</summary>
    public static Plot Draw(IReadOnlyList<(RobustnessCurvePoint Point, double Low, double High)> rows, AttackSettings attack, int classes)
    {
        var points = rows.Select(r => r.Point).ToList();
        Check(points);
        ArgumentNullException.ThrowIfNull(attack);
        var chance = PlotRendering.Chance(classes);
        var font = PlotRendering.FontFamily();
        var norm = Names.Norm.Of(attack.Norm).ToUpperInvariant();
        var inv = CultureInfo.InvariantCulture;
        var images = points.Select(p => p.Examples).Distinct().ToList();

        var plot = new Plot();
        var chanceLine = plot.Add.HorizontalLine(chance, 1.5f, PlotRendering.Reference, LinePattern.Dashed);
        chanceLine.LegendText = $"chance ({(100 * chance).ToString("0.#", inv)}%)";
        var index = 0;
        foreach (var set in rows.GroupBy(r => r.Point.TrainingSet))
        {
            var line = set.OrderBy(r => r.Point.Eps).ToArray();
            var (colour, marker) = (PlotRendering.Palette[index % PlotRendering.Palette.Count], PlotRendering.Markers[index % PlotRendering.Markers.Count]);
            index++;
            var xs = line.Select(r => r.Point.Eps).ToArray();
            var ys = line.Select(r => r.Point.RobustAccuracy).ToArray();
            var bars = plot.Add.ErrorBar(xs, ys, new double[xs.Length]);
            bars.YErrorNegative = line.Select(r => r.Point.RobustAccuracy - r.Low).ToArray();
            bars.YErrorPositive = line.Select(r => r.High - r.Point.RobustAccuracy).ToArray();
            bars.Color = colour;
            bars.CapSize = 4;
            var scatter = plot.Add.Scatter(xs, ys, colour);
            scatter.LegendText = set.Key;
            scatter.LineWidth = 2;
            scatter.MarkerSize = 8;
            scatter.MarkerShape = marker;
        }
        plot.Title($"Robust accuracy vs eps: {string.Join("/", images.Select(n => n.ToString("N0", inv)))} test images per point, {norm} PGD-{attack.Steps} " +
                   $"(step {(attack.StepSize / attack.Eps).ToString("0.###", inv)}·eps); bars: 95% Wilson intervals");
        plot.XLabel($"eps ({norm} radius of the attack)");
        plot.YLabel("robust accuracy on the original test set");
        plot.Axes.Left.TickGenerator = PlotRendering.PercentTicks();
        var eps = points.Select(p => p.Eps).Distinct().Order().ToArray();
        plot.Axes.Bottom.TickGenerator = new NumericManual(eps, eps.Select(e => e.ToString("0.###", inv)).ToArray());
        plot.Axes.SetLimitsY(-0.02, 1.02);
        var maxEps = Math.Max(eps[^1], 1e-9);
        plot.Axes.SetLimitsX(-0.03 * maxEps, 1.03 * maxEps);
        plot.ShowLegend(Alignment.UpperRight);
        plot.Font.Set(font);
        return plot;
    }

    private static string ToCsv(IReadOnlyList<RobustnessCurvePoint> points)
    {
        Check(points);
        return PlotCsv.Format(CsvHeader, points.Select(p => (IReadOnlyList<string>)
        [
            p.TrainingSet, PlotCsv.Number(p.Eps), PlotCsv.Number(p.RobustAccuracy), p.Examples.ToString(CultureInfo.InvariantCulture),
            PlotCsv.Number(p.Interval.Low), PlotCsv.Number(p.Interval.High),
        ]));
    }

    private static List<(RobustnessCurvePoint, double, double)> Parse(string csv, string source) =>
        PlotCsv.Parse(csv, CsvHeader, source)
            .Select((r, i) => (new RobustnessCurvePoint(r[0], PlotCsv.ParseNumber(r[1], source, i + 1), PlotCsv.ParseNumber(r[2], source, i + 1),
                    (long)PlotCsv.ParseNumber(r[3], source, i + 1)),
                PlotCsv.ParseNumber(r[4], source, i + 1), PlotCsv.ParseNumber(r[5], source, i + 1)))
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
            if (p.Examples < 1)
                throw new ArgumentException($"{p.TrainingSet} at eps {p.Eps.ToString(CultureInfo.InvariantCulture)}: measured on {p.Examples} images");
        }
        var twice = points.GroupBy(p => (p.TrainingSet, p.Eps)).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
            throw new ArgumentException($"{twice.Key.TrainingSet} has {twice.Count()} points at eps {twice.Key.Eps.ToString(CultureInfo.InvariantCulture)}");
    }
}
