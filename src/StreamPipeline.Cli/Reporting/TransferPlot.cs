using System.Globalization;
using ScottPlot;
using StreamPipeline.Attacks;

namespace StreamPipeline.Cli.Reporting;

/// <summary>
/// Figure 3 of the paper: per architecture, transfer success of the source's adversarial examples vs accuracy after
/// training on D_det, each point labelled, with a least-squares line and Pearson's r in the title. Written as a PNG and a
/// CSV of the same points; the PNG is drawn from the CSV's own text, so the two cannot disagree.
/// </summary>
public static class TransferPlot
{
    /// <summary>The CSV header, one row per architecture.</summary>
    public static IReadOnlyList<string> CsvHeader { get; } = ["architecture", "det_accuracy", "transfer_success"];

    /// <summary>
    /// Writes <paramref name="pngPath"/> and the CSV beside it (<see cref="PlotFiles.For"/>). The title names the source
    /// model, the number of test images, the targeted attack and Pearson's r over the points.
    /// </summary>
    public static PlotFiles Write(string pngPath, IReadOnlyList<TransferPoint> points, long images, string source, AttackSettings attack)
    {
        var files = PlotFiles.For(pngPath);
        var csv = ToCsv(points);
        using var plot = Draw(Parse(csv, files.Csv), images, source, attack);
        PlotRendering.Write(files, csv, plot);
        return files;
    }

    /// <summary>The points of a CSV this class wrote, in file order.</summary>
    public static IReadOnlyList<TransferPoint> ReadCsv(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>The figure itself (one scatter of all architectures, a text label at each point), e.g. for another size or SVG.</summary>
    public static Plot Draw(IReadOnlyList<TransferPoint> points, long images, string source, AttackSettings attack)
    {
        Check(points);
        PlotRendering.CheckName(source, "the source model");
        ArgumentNullException.ThrowIfNull(attack);
        if (images < 1) throw new ArgumentException($"the number of test images must be positive, got {images}", nameof(images));
        var font = PlotRendering.FontFamily();
        var inv = CultureInfo.InvariantCulture;
        var xs = points.Select(p => p.DetAccuracy).ToArray();
        var ys = points.Select(p => p.TransferSuccess).ToArray();
        var r = PearsonCorrelation.Of(xs, ys);

        var plot = new Plot();
        var fit = LeastSquares(xs, ys);
        if (fit is var (slope, intercept))
        {
            double x0 = xs.Min(), x1 = xs.Max();
            var line = plot.Add.Line(x0, intercept + slope * x0, x1, intercept + slope * x1);
            line.LinePattern = LinePattern.Dashed;
            line.LineWidth = 1.5f;
            line.Color = Colors.Gray;
        }
        var scatter = plot.Add.ScatterPoints(xs, ys);
        scatter.MarkerSize = 10;
        // The palette's first colour, although the fit line was added first (it is drawn beneath the points).
        scatter.Color = plot.Add.Palette.GetColor(0);
        foreach (var p in points)
        {
            var label = plot.Add.Text(p.Architecture, p.DetAccuracy, p.TransferSuccess);
            label.Alignment = Alignment.MiddleLeft;
            label.OffsetX = 9;
            label.LabelFontSize = 14;
            label.LabelFontName = font;
        }

        var rText = double.IsNaN(r) ? "r undefined (needs 2+ points that vary)" : $"Pearson r = {r.ToString("0.00", inv)}";
        plot.Title($"Transfer from {source} vs learning from D_det ({images.ToString("N0", inv)} test images)\n" +
                   $"targeted {Names.Norm.Of(attack.Norm).ToUpperInvariant()} PGD-{attack.Steps}, eps {attack.Eps.ToString(inv)}, " +
                   $"toward (y+1) mod C; {rText}");
        plot.XLabel("accuracy on the original test set after training on D_det");
        plot.YLabel("transfer success (classified as the target)");
        plot.Axes.Left.TickGenerator = PlotRendering.PercentTicks();
        plot.Axes.Bottom.TickGenerator = PlotRendering.PercentTicks();
        // Room to the right and above for the labels, which the automatic limits do not measure.
        plot.Axes.Margins(left: 0.1, right: 0.3, bottom: 0.15, top: 0.15);
        plot.Font.Set(font);
        return plot;
    }

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
        return PlotCsv.Format(CsvHeader, points.Select(p => (IReadOnlyList<string>)
            [p.Architecture, PlotCsv.Number(p.DetAccuracy), PlotCsv.Number(p.TransferSuccess)]));
    }

    private static List<TransferPoint> Parse(string csv, string source) =>
        PlotCsv.Parse(csv, CsvHeader, source)
            .Select((r, i) => new TransferPoint(r[0], PlotCsv.ParseNumber(r[1], source, i + 1), PlotCsv.ParseNumber(r[2], source, i + 1)))
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
        }
        var twice = points.GroupBy(p => p.Architecture).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
            throw new ArgumentException($"architecture '{twice.Key}' has {twice.Count()} points; one point per architecture");
    }
}
