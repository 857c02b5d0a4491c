using System.Globalization;
using ScottPlot;
using StreamPipeline.Attacks.Theory;

namespace StreamPipeline.Experiment.Reporting;

/// <summary>
/// The paper's Figure 4 for our 2-D setting: the 1-σ level sets {x : (x ∓ μ)ᵀΣ⁻¹(x ∓ μ) = 1} of both classes' Gaussians
/// N(±μ, Σ) as learned at each eps (eps 0: standard maximum likelihood), the true Σ* dashed, the means marked. Written
/// as a PNG and a CSV of the Gaussians (one row each); the PNG is drawn from the CSV's own text.
/// </summary>
public static class TheoryFigure
{
    public const string True = "true", Learned = "learned";

    /// <summary>Points per drawn ellipse.</summary>
    public const int EllipsePoints = 181;

    public static IReadOnlyList<string> CsvHeader { get; } = ["distribution", "eps", "mean_x", "mean_y", "sigma_xx", "sigma_xy", "sigma_yy"];

    /// <summary>The Gaussians of a 2-D study: the true one, then the one learned at each eps in the study's order.</summary>
    public static IReadOnlyList<TheoryEllipse> Ellipses(SectionFourResult.SettingStudy study)
    {
        ArgumentNullException.ThrowIfNull(study);
        if (study.Setting.Dimension != 2) throw new ArgumentException($"the figure draws a 2-D setting, {study.Setting.Name} has {study.Setting.Dimension} dimensions");
        static TheoryEllipse Of(string distribution, double? eps, double[] mean, double[][] c) => new(distribution, eps, mean[0], mean[1], c[0][0], c[0][1], c[1][1]);
        return [Of(True, null, study.Setting.Mean, study.Setting.Covariance), .. study.Robust.Select(r => Of(Learned, r.Eps, r.Model.Mean, r.Model.Covariance))];
    }

    public static PlotFiles Write(string pngPath, IReadOnlyList<TheoryEllipse> ellipses)
    {
        var files = PlotFiles.For(pngPath);
        var csv = ToCsv(ellipses);
        using var plot = Draw(Parse(csv, files.Csv));
        PlotRendering.Write(files, csv, plot);
        return files;
    }

    public static IReadOnlyList<TheoryEllipse> ReadCsv(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>The 1-σ level set of N(center, Σ): center + Σ_k sqrt(σ_k)(cos t·v_k1 + sin t·v_k2), t over a full turn.</summary>
    public static (double[] X, double[] Y) Ellipse(double centerX, double centerY, double sxx, double sxy, double syy)
    {
        // Eigendecomposition of the symmetric 2×2 [[sxx, sxy], [sxy, syy]] in closed form.
        var half = 0.5 * (sxx + syy);
        var radius = Math.Sqrt(0.25 * (sxx - syy) * (sxx - syy) + sxy * sxy);
        double major = half + radius, minor = half - radius;
        var angle = 0.5 * Math.Atan2(2 * sxy, sxx - syy);
        var (c, s) = (Math.Cos(angle), Math.Sin(angle));
        var x = new double[EllipsePoints];
        var y = new double[EllipsePoints];
        for (var i = 0; i < EllipsePoints; i++)
        {
            var t = 2 * Math.PI * i / (EllipsePoints - 1);
            double a = Math.Sqrt(major) * Math.Cos(t), b = Math.Sqrt(Math.Max(minor, 0)) * Math.Sin(t);
            x[i] = centerX + c * a - s * b;
            y[i] = centerY + s * a + c * b;
        }
        return (x, y);
    }

    public static Plot Draw(IReadOnlyList<TheoryEllipse> ellipses)
    {
        Check(ellipses);
        var font = PlotRendering.FontFamily();
        var inv = CultureInfo.InvariantCulture;
        var plot = new Plot();
        // The report's colour-blind-safe palette; black (its last colour) is the true distribution's.
        Color Colour(int i) => PlotRendering.Palette[i % (PlotRendering.Palette.Count - 1)];
        var colourIndex = 0;
        foreach (var e in ellipses)
        {
            var isTrue = e.Distribution == True;
            var colour = isTrue ? Colors.Black : Colour(colourIndex++);
            foreach (var sign in new[] { 1, -1 })
            {
                var (x, y) = Ellipse(sign * e.MeanX, sign * e.MeanY, e.SigmaXX, e.SigmaXY, e.SigmaYY);
                var line = plot.Add.Scatter(x, y, colour);
                line.MarkerSize = 0;
                line.LineWidth = isTrue ? 2.5f : 2;
                if (isTrue) line.LinePattern = LinePattern.Dashed;
                if (sign == 1)
                    line.LegendText = isTrue ? "true Σ* (data)" : e.Eps == 0 ? "ε = 0 (standard ML)" : $"ε = {e.Eps!.Value.ToString("0.###", inv)}";
            }
        }
        // The means last, on top of the ellipses: each learned ±μ a dot of its colour, the true ±μ* a black cross over them.
        colourIndex = 0;
        foreach (var e in ellipses.Where(e => e.Distribution == Learned).Append(ellipses.First(e => e.Distribution == True)))
        {
            var isTrue = e.Distribution == True;
            var means = plot.Add.Scatter(new[] { e.MeanX, -e.MeanX }, new[] { e.MeanY, -e.MeanY }, isTrue ? Colors.Black : Colour(colourIndex++));
            means.LineWidth = 0;
            means.MarkerSize = isTrue ? 16 : 8;
            means.MarkerShape = isTrue ? MarkerShape.Cross : MarkerShape.FilledCircle;
            if (isTrue) means.LegendText = "±μ* (cross), ±μ learned (dots)";
        }
        plot.Title("Robust ML of a 2-D Gaussian (paper §4, Fig. 4): 1-σ level sets of N(±μ, Σ) learned per L2 ε");
        plot.XLabel("x₁");
        plot.YLabel("x₂");
        plot.Axes.SquareUnits();
        plot.ShowLegend(Alignment.UpperLeft);
        plot.Font.Set(font);
        return plot;
    }

    private static string ToCsv(IReadOnlyList<TheoryEllipse> ellipses)
    {
        Check(ellipses);
        return PlotCsv.Format(CsvHeader, ellipses.Select(e => (IReadOnlyList<string>)
        [
            e.Distribution, e.Eps is { } eps ? PlotCsv.Number(eps) : "", PlotCsv.Number(e.MeanX), PlotCsv.Number(e.MeanY),
            PlotCsv.Number(e.SigmaXX), PlotCsv.Number(e.SigmaXY), PlotCsv.Number(e.SigmaYY),
        ]));
    }

    private static List<TheoryEllipse> Parse(string csv, string source) =>
        PlotCsv.Parse(csv, CsvHeader, source).Select((r, i) =>
        {
            double N(int field) => PlotCsv.ParseNumber(r[field], source, i + 1);
            return new TheoryEllipse(r[0], r[1].Length == 0 ? null : N(1), N(2), N(3), N(4), N(5), N(6));
        }).ToList();

    private static void Check(IReadOnlyList<TheoryEllipse> ellipses)
    {
        ArgumentNullException.ThrowIfNull(ellipses);
        if (ellipses.Count(e => e.Distribution == True) != 1) throw new ArgumentException("the theory figure needs exactly one true Gaussian", nameof(ellipses));
        foreach (var e in ellipses)
        {
            if (e.Distribution is not (True or Learned)) throw new ArgumentException($"unknown distribution '{e.Distribution}' (true or learned)");
            if ((e.Distribution == True) != (e.Eps is null)) throw new ArgumentException("the true Gaussian has no eps, every learned one has one");
            double[] values = [e.MeanX, e.MeanY, e.SigmaXX, e.SigmaXY, e.SigmaYY];
            if (values.Any(v => !double.IsFinite(v))) throw new ArgumentException($"{e.Distribution} Gaussian at eps {e.Eps}: non-finite values");
            if (!(e.SigmaXX > 0 && e.SigmaXX * e.SigmaYY - e.SigmaXY * e.SigmaXY > 0))
                throw new ArgumentException($"{e.Distribution} Gaussian at eps {e.Eps}: the covariance is not positive definite");
        }
    }
}
