using System.Globalization;
using ScottPlot;
using StreamPipeline.Attacks;

namespace StreamPipeline.Experiment.Reporting;

/// <summary>
/// Figure 3 of the paper: per architecture, transfer success of the source's adversarial examples vs accuracy after
/// training on D_det, each point labelled with its 95% Wilson intervals on both axes, both axes 0–100% with their chance
/// levels dashed, a least-squares line, and Pearson's r with its n and a bootstrap interval in the title. Written as a PNG
/// and a CSV of the same points; the PNG is drawn from the CSV's own text, so the two cannot disagree.
/// </summary>
public static class TransferPlot
{
    /// <summary>The CSV header, one row per architecture.</summary>
    public static IReadOnlyList<string> CsvHeader { get; } =
    [
        "architecture", "det_accuracy", "det_examples", "det_ci95_low", "det_ci95_high",
        "transfer_success", "transfer_examples", "transfer_ci95_low", "transfer_ci95_high",
    ];

    /// <summary>
    /// Writes <paramref name="pngPath"/> and the CSV beside it (<see cref="PlotFiles.For"/>). The title names the source
    /// model, the images each axis was measured on, the targeted attack and Pearson's r over the points.
    /// </summary>
    public static PlotFiles Write(string pngPath, IReadOnlyList<TransferPoint> points, string source, AttackSettings attack, int classes)
    {
        var files = PlotFiles.For(pngPath);
        var csv = ToCsv(points);
        using var plot = Draw(Parse(csv, files.Csv), source, attack, classes);
        PlotRendering.Write(files, csv, plot);
        return files;
    }

    /// <summary>The rows of a CSV this class wrote, in file order: each point with the intervals recorded for it.</summary>
    public static IReadOnlyList<Row> ReadCsv(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>A point with the x and y intervals its CSV row records.</summary>
    public sealed record Row(TransferPoint Point, (double Low, double High) DetInterval, (double Low, double High) TransferInterval);

    /// <summary>Pearson's r of the points, with n and its bootstrap interval, as the title and the report state it.</summary>
    public static string CorrelationText(IReadOnlyList<TransferPoint> points)
    {
        var inv = CultureInfo.InvariantCulture;
        var (xs, ys) = (points.Select(p => p.DetAccuracy).ToArray(), points.Select(p => p.TransferSuccess).ToArray());
        var r = PearsonCorrelation.Of(xs, ys);
        if (double.IsNaN(r))
            return $"Pearson r undefined (n = {points.Count}; it needs 2+ points that vary)";
        var interval = PearsonCorrelation.BootstrapInterval(xs, ys) is { } b
            ? $"95% bootstrap interval {b.Low.ToString("0.00", inv)} to {b.High.ToString("0.00", inv)}"
            : points.Count < 3 ? "no interval with fewer than 3 points" : "no interval: most resamples leave r undefined";
        return $"Pearson r = {r.ToString("0.00", inv)} (n = {points.Count} architectures; {interval})";
    }

    /// <summary>The figure itself (one scatter of all architectures, a text label at each point), e.g. for another size or SVG.</summary>
    public static Plot Draw(IReadOnlyList<Row> rows, string source, AttackSettings attack, int classes)
    {
        var points = rows.Select(r => r.Point).ToList();
        Check(points);
        PlotRendering.CheckName(source, "the source model");
        ArgumentNullException.ThrowIfNull(attack);
        var chance = PlotRendering.Chance(classes);
        var font = PlotRendering.FontFamily();
        var inv = CultureInfo.InvariantCulture;
        var xs = points.Select(p => p.DetAccuracy).ToArray();
        var ys = points.Select(p => p.TransferSuccess).ToArray();

        var plot = new Plot();
        var chanceText = $"chance ({(100 * chance).ToString("0.#", inv)}%)";
        var horizontal = plot.Add.HorizontalLine(chance, 1.5f, PlotRendering.Reference, LinePattern.Dotted);
        horizontal.LegendText = chanceText + " on either axis";
        plot.Add.VerticalLine(chance, 1.5f, PlotRendering.Reference, LinePattern.Dotted);
        if (LeastSquares(xs, ys) is var (slope, intercept))
        {
            double x0 = xs.Min(), x1 = xs.Max();
            var line = plot.Add.Line(x0, intercept + slope * x0, x1, intercept + slope * x1);
            line.LinePattern = LinePattern.Dashed;
            line.LineWidth = 1.5f;
            line.Color = PlotRendering.Reference;
            line.LegendText = "least-squares line";
        }
        var colour = PlotRendering.Palette[0];
        var bars = plot.Add.ErrorBar(xs, ys, new double[xs.Length]);
        bars.XErrorNegative = rows.Select(r => r.Point.DetAccuracy - r.DetInterval.Low).ToArray();
        bars.XErrorPositive = rows.Select(r => r.DetInterval.High - r.Point.DetAccuracy).ToArray();
        bars.YErrorNegative = rows.Select(r => r.Point.TransferSuccess - r.TransferInterval.Low).ToArray();
        bars.YErrorPositive = rows.Select(r => r.TransferInterval.High - r.Point.TransferSuccess).ToArray();
        bars.Color = colour;
        bars.CapSize = 4;
        var scatter = plot.Add.ScatterPoints(xs, ys, colour);
        scatter.MarkerSize = 10;
        scatter.MarkerShape = PlotRendering.Markers[0];
        scatter.LegendText = "architecture (bars: 95% Wilson intervals)";
        foreach (var p in points)
        {
            var label = plot.Add.Text(p.Architecture, p.DetAccuracy, p.TransferSuccess);
            label.Alignment = Alignment.MiddleLeft;
            label.OffsetX = 9;
            label.LabelFontSize = 14;
            label.LabelFontName = font;
        }

        var det = points.Select(p => p.DetExamples).Distinct().ToList();
        var transfer = points.Select(p => p.TransferExamples).Distinct().ToList();
        plot.Title($"Transfer from {source} vs learning from D_det\n" +
                   $"x on {Counts(det)} test images, y on {Counts(transfer)}; targeted {Names.Norm.Of(attack.Norm).ToUpperInvariant()} PGD-{attack.Steps}, " +
                   $"eps {attack.Eps.ToString(inv)}, toward (y+1) mod C\n{CorrelationText(points)}");
        plot.XLabel("accuracy on the original test set after training on D_det");
        plot.YLabel("transfer success (classified as the target)");
        plot.Axes.Left.TickGenerator = PlotRendering.PercentTicks();
        plot.Axes.Bottom.TickGenerator = PlotRendering.PercentTicks();
        // Honest axes: the whole 0–100% range of both rates, a little room around it.
        plot.Axes.SetLimits(-0.02, 1.02, -0.02, 1.02);
        plot.ShowLegend(Alignment.LowerRight);
        plot.Font.Set(font);
        return plot;
    }

    private static string Counts(List<long> counts) => string.Join("/", counts.Select(n => n.ToString("N0", CultureInfo.InvariantCulture)));

    private static (double Slope, double Intercept)? LeastSquares(double[] xs, double[] ys)
    {
        if (xs.Length < 2) return null;
        double meanX = xs.Average(), meanY = ys.Average();
        var sxx = xs.Sum(x => (x - meanX) * (x - meanX));
        if (sxx == 0) return null;
        var slope = xs.Zip(ys, (x, y) => (x - meanX) * (y - meanY)).Sum() / sxx;
        return (slope, meanY - slope * meanX);
    }

    private static string ToCsv(IReadOnlyList<TransferPoint> points)
    {
        Check(points);
        var inv = CultureInfo.InvariantCulture;
        return PlotCsv.Format(CsvHeader, points.Select(p => (IReadOnlyList<string>)
        [
            p.Architecture, PlotCsv.Number(p.DetAccuracy), p.DetExamples.ToString(inv), PlotCsv.Number(p.DetInterval.Low), PlotCsv.Number(p.DetInterval.High),
            PlotCsv.Number(p.TransferSuccess), p.TransferExamples.ToString(inv), PlotCsv.Number(p.TransferInterval.Low), PlotCsv.Number(p.TransferInterval.High),
        ]));
    }

    private static List<Row> Parse(string csv, string source) =>
        PlotCsv.Parse(csv, CsvHeader, source)
            .Select((r, i) =>
            {
                double N(int field) => PlotCsv.ParseNumber(r[field], source, i + 1);
                return new Row(new TransferPoint(r[0], N(1), (long)N(2), N(5), (long)N(6)), (N(3), N(4)), (N(7), N(8)));
            })
            .ToList();

    private static void Check(IReadOnlyList<TransferPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count == 0) throw new ArgumentException("a transfer plot needs at least one point", nameof(points));
        foreach (var p in points)
        {
            PlotRendering.CheckName(p.Architecture, "an architecture");
            PlotRendering.CheckFraction(p.DetAccuracy, $"{p.Architecture}: accuracy after training on D_det");
            PlotRendering.CheckFraction(p.TransferSuccess, $"{p.Architecture}: transfer success");
            if (p.DetExamples < 1 || p.TransferExamples < 1)
                throw new ArgumentException($"{p.Architecture}: measured on {p.DetExamples} and {p.TransferExamples} images");
        }
        var twice = points.GroupBy(p => p.Architecture).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
            throw new ArgumentException($"architecture '{twice.Key}' has {twice.Count()} points; one point per architecture");
    }
}
