using ScottPlot.Plottables;
using StreamPipeline.Experiment.Reporting;
using StreamPipeline.Data;

namespace StreamPipeline.Experiment.Tests.Reporting;

[Collection(PlotTestCollection.Name)]
public sealed class TheoryFigureTests : IDisposable
{
    // The shape of the figure: the true Gaussian, then robust fits whose covariance grows rounder with eps, the mean kept.
    private static readonly TheoryEllipse[] Ellipses =
    [
        new(TheoryFigure.True, null, 0.74, 0.72, 0.76, 0.41, 0.28),
        new(TheoryFigure.Learned, 0, 0.73, 0.71, 0.75, 0.40, 0.29),
        new(TheoryFigure.Learned, 0.5, 0.73, 0.71, 1.2, 0.49, 0.69),
        new(TheoryFigure.Learned, 2, 0.74, 0.70, 4.4, 0.74, 3.5),
    ];

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_png_decodes_to_the_plot_size_with_a_title_and_a_colour_per_learned_eps()
    {
        var files = TheoryFigure.Write(_dir.File("theory.png"), Ellipses);

        var png = new RenderedPng(files.Png);
        Assert.Equal(new ImageShape(3, 600, 900), png.Shape);
        Assert.True(png.InkShare(0, 40) > 0.01, $"title band ink {png.InkShare(0, 40)}");
        Assert.True(png.SaturatedColours() >= 3, $"{png.SaturatedColours()} saturated colours for 3 learned Gaussians");
        Assert.Equal(_dir.File("theory.csv"), files.Csv);
    }

    [Fact]
    public void The_csv_reads_back_as_the_gaussians_and_each_drawn_curve_is_the_1_sigma_level_set_of_its_row()
    {
        var files = TheoryFigure.Write(_dir.File("theory.png"), Ellipses);

        var fromCsv = TheoryFigure.ReadCsv(files.Csv);
        Assert.Equal(Ellipses, fromCsv);
        using var plot = TheoryFigure.Draw(fromCsv);
        var curves = plot.GetPlottables<Scatter>().Where(s => s.LineWidth > 0).ToList();
        Assert.Equal(2 * Ellipses.Length, curves.Count); // both classes per Gaussian
        Assert.Equal(["true Σ* (data)", "ε = 0 (standard ML)", "ε = 0.5", "ε = 2"], curves.Where(c => !string.IsNullOrEmpty(c.LegendText)).Select(c => c.LegendText));
        for (var i = 0; i < Ellipses.Length; i++)
        {
            var e = Ellipses[i];
            var det = e.SigmaXX * e.SigmaYY - e.SigmaXY * e.SigmaXY;
            foreach (var (curve, sign) in new[] { (curves[2 * i], 1), (curves[2 * i + 1], -1) })
            {
                var points = curve.Data.GetScatterPoints();
                Assert.Equal(TheoryFigure.EllipsePoints, points.Count);
                // Every point x satisfies (x − c)ᵀΣ⁻¹(x − c) = 1 around its class mean c = ±μ.
                foreach (var p in points)
                {
                    double dx = p.X - sign * e.MeanX, dy = p.Y - sign * e.MeanY;
                    var mahalanobis = (e.SigmaYY * dx * dx - 2 * e.SigmaXY * dx * dy + e.SigmaXX * dy * dy) / det;
                    Assert.Equal(1, mahalanobis, 1e-9);
                }
            }
        }
    }

    [Fact]
    public void The_png_is_exactly_the_rendering_of_the_csv_read_back()
    {
        var files = TheoryFigure.Write(_dir.File("theory.png"), Ellipses);

        using var again = TheoryFigure.Draw(TheoryFigure.ReadCsv(files.Csv));
        Assert.Equal(File.ReadAllBytes(files.Png), again.GetImageBytes(900, 600, ScottPlot.ImageFormat.Png));
    }

    [Fact]
    public void Gaussians_that_are_not_positive_definite_lack_a_true_one_or_mix_up_eps_are_refused_and_nothing_is_written()
    {
        var png = _dir.File("bad.png");
        Assert.Contains("not positive definite", Assert.Throws<ArgumentException>(
            () => TheoryFigure.Write(png, [Ellipses[0], Ellipses[1] with { SigmaXY = 2 }])).Message);
        Assert.Contains("exactly one true Gaussian", Assert.Throws<ArgumentException>(() => TheoryFigure.Write(png, Ellipses[1..])).Message);
        Assert.Contains("no eps", Assert.Throws<ArgumentException>(() => TheoryFigure.Write(png, [Ellipses[0] with { Eps = 1 }])).Message);
        Assert.Contains("non-finite", Assert.Throws<ArgumentException>(
            () => TheoryFigure.Write(png, [Ellipses[0], Ellipses[1] with { MeanX = double.NaN }])).Message);
        Assert.Empty(Directory.GetFiles(_dir.Path));
    }
}
