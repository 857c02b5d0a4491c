using ScottPlot.Plottables;
using StreamPipeline.Attacks;
using StreamPipeline.Experiment.Reporting;
using StreamPipeline.Data;

namespace StreamPipeline.Experiment.Tests.Reporting;

[Collection(PlotTestCollection.Name)]
public sealed class TransferPlotTests : IDisposable
{
    private static readonly AttackSettings Det = new(ThreatModel.L2, Eps: 4f, StepSize: 0.3f, Steps: 10);
    private const int Classes = 10;

    // Figure 3's shape: the architectures that learn more from D_det are fooled more often by the transferred examples.
    private static readonly TransferPoint[] Points =
    [
        new("small-cnn", 0.518, 2000, 0.61, 1000), new("small-cnn-wide", 0.47, 2000, 0.55, 1000),
        new("mlp", 0.29, 2000, 0.22, 1000), new("resnet18", 0.41, 2000, 0.47, 1000),
    ];

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_png_decodes_to_the_plot_size_with_a_titled_non_blank_figure()
    {
        var files = TransferPlot.Write(_dir.File("transfer.png"), Points, "small-cnn (standard)", Det, Classes);

        var png = new RenderedPng(files.Png);
        Assert.Equal(new ImageShape(3, 600, 900), png.Shape);
        Assert.InRange(png.InkShare(0, 600), 0.005, 0.5);
        Assert.True(png.InkShare(0, 60) > 0.01, $"title band ink {png.InkShare(0, 60)}");
        Assert.True(png.SaturatedColours() >= 1, "the points are drawn in colour");
        Assert.Equal(_dir.File("transfer.csv"), files.Csv);
    }

    [Fact]
    public void The_csv_holds_n_and_intervals_on_both_axes_and_the_plot_shows_exactly_the_csv_on_honest_axes()
    {
        var files = TransferPlot.Write(_dir.File("transfer.png"), Points, "small-cnn (standard)", Det, Classes);

        var fromCsv = TransferPlot.ReadCsv(files.Csv);
        Assert.Equal(Points, fromCsv.Select(r => r.Point));
        Assert.All(fromCsv, r => Assert.Equal(WilsonInterval.Of(r.Point.DetAccuracy, r.Point.DetExamples), r.DetInterval));
        Assert.All(fromCsv, r => Assert.Equal(WilsonInterval.Of(r.Point.TransferSuccess, r.Point.TransferExamples), r.TransferInterval));
        using var plot = TransferPlot.Draw(fromCsv, "small-cnn (standard)", Det, Classes);
        var plotted = Assert.Single(plot.GetPlottables<Scatter>()).Data.GetScatterPoints();
        Assert.Equal(fromCsv.Select(r => r.Point.DetAccuracy), plotted.Select(c => c.X));
        Assert.Equal(fromCsv.Select(r => r.Point.TransferSuccess), plotted.Select(c => c.Y));
        var bars = Assert.Single(plot.GetPlottables<ErrorBar>());
        Assert.Equal(fromCsv.Select(r => r.DetInterval.Low), bars.Xs.Zip(bars.XErrorNegative!, (x, e) => x - e));
        Assert.Equal(fromCsv.Select(r => r.TransferInterval.High), bars.Ys.Zip(bars.YErrorPositive!, (y, e) => y + e));
        var labels = plot.GetPlottables<Text>().ToList();
        Assert.Equal(fromCsv.Select(r => r.Point.Architecture), labels.Select(l => l.LabelText));
        // Chance on both axes, and both axes span 0–100%.
        Assert.Equal(0.1, Assert.Single(plot.GetPlottables<HorizontalLine>()).Y);
        Assert.Equal(0.1, Assert.Single(plot.GetPlottables<VerticalLine>()).X);
        var limits = plot.Axes.GetLimits();
        Assert.True(limits.Left <= 0 && limits.Right >= 1 && limits.Bottom <= 0 && limits.Top >= 1, $"axes {limits}");
        var title = plot.Axes.Title.Label.Text;
        var r = PearsonCorrelation.Of(fromCsv.Select(p => p.Point.DetAccuracy).ToList(), fromCsv.Select(p => p.Point.TransferSuccess).ToList());
        Assert.Contains($"Pearson r = {r:0.00} (n = 4 architectures", title);
        Assert.Contains("bootstrap interval", title);
        Assert.Contains("x on 2,000 test images, y on 1,000", title);
        Assert.Contains("PGD-10, eps 4", title);
    }

    [Fact]
    public void The_png_is_exactly_the_rendering_of_the_csv_read_back()
    {
        var files = TransferPlot.Write(_dir.File("transfer.png"), Points, "small-cnn", Det, Classes);

        using var again = TransferPlot.Draw(TransferPlot.ReadCsv(files.Csv), "small-cnn", Det, Classes);
        var shape = new RenderedPng(files.Png).Shape;
        Assert.Equal(File.ReadAllBytes(files.Png), again.GetImageBytes(shape.Width, shape.Height, ScottPlot.ImageFormat.Png));
    }

    [Fact]
    public void A_single_architecture_is_drawn_with_r_undefined_and_repeated_architectures_are_refused()
    {
        var files = TransferPlot.Write(_dir.File("one.png"), [new("mlp", 0.3, 10, 0.2, 10)], "small-cnn", Det, Classes);
        using var plot = TransferPlot.Draw(TransferPlot.ReadCsv(files.Csv), "small-cnn", Det, Classes);
        Assert.Contains("r undefined (n = 1", plot.Axes.Title.Label.Text);
        Assert.Empty(plot.GetPlottables<ScottPlot.Plottables.LinePlot>());

        Assert.Contains("'mlp' has 2 points", Assert.Throws<ArgumentException>(
            () => TransferPlot.Write(_dir.File("twice.png"), [new("mlp", 0.3, 10, 0.2, 10), new("mlp", 0.4, 10, 0.2, 10)], "small-cnn", Det, Classes)).Message);
        Assert.False(File.Exists(_dir.File("twice.png")));
    }

    [Fact]
    public void Pearson_r_is_1_on_a_rising_line_minus_1_on_a_falling_one_NaN_when_undefined_and_matches_a_worked_example()
    {
        Assert.Equal(1.0, PearsonCorrelation.Of([0.1, 0.2, 0.4], [0.3, 0.5, 0.9]), 12);
        Assert.Equal(-1.0, PearsonCorrelation.Of([0.1, 0.2, 0.4], [0.9, 0.7, 0.3]), 12);
        Assert.True(double.IsNaN(PearsonCorrelation.Of([0.5], [0.5])));
        Assert.True(double.IsNaN(PearsonCorrelation.Of([0.5, 0.5, 0.5], [0.1, 0.2, 0.3])));
        // sxy = 6, sxx = 10, syy = 6: r = 6 / sqrt(60).
        Assert.Equal(6 / Math.Sqrt(60), PearsonCorrelation.Of([1, 2, 3, 4, 5], [2, 4, 5, 4, 5]), 12);
        Assert.Throws<ArgumentException>(() => PearsonCorrelation.Of([1, 2], [1]));
    }

    [Fact]
    public void The_bootstrap_interval_of_r_is_seeded_holds_r_for_many_points_and_is_refused_where_resamples_leave_r_undefined()
    {
        var xs = Enumerable.Range(0, 40).Select(i => i / 40.0).ToArray();
        var ys = xs.Select((x, i) => 0.8 * x + 0.05 * Math.Sin(7 * i)).ToArray();
        var r = PearsonCorrelation.Of(xs, ys);
        var interval = PearsonCorrelation.BootstrapInterval(xs, ys);
        Assert.NotNull(interval);
        Assert.InRange(r, interval.Value.Low, interval.Value.High);
        Assert.True(interval.Value.High - interval.Value.Low < 0.1, $"40 close points: {interval}");
        Assert.Equal(interval, PearsonCorrelation.BootstrapInterval(xs, ys));
        // Two points: r is ±1 in every resample that defines it, so there is no interval to give.
        Assert.Null(PearsonCorrelation.BootstrapInterval([0.1, 0.5], [0.2, 0.4]));
    }
}
