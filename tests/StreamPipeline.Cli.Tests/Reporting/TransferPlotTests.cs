using ScottPlot.Plottables;
using StreamPipeline.Attacks;
using StreamPipeline.Cli.Reporting;
using StreamPipeline.Data;

namespace StreamPipeline.Cli.Tests.Reporting;

[Collection(PlotTestCollection.Name)]
public sealed class TransferPlotTests : IDisposable
{
    private static readonly AttackSettings Det = new(ThreatModel.L2, Eps: 4f, StepSize: 0.3f, Steps: 10);

    // Figure 3's shape: the architectures that learn more from D_det are fooled more often by the transferred examples.
    private static readonly TransferPoint[] Points =
    [
        new("small-cnn", 0.518, 0.61), new("small-cnn-wide", 0.47, 0.55), new("mlp", 0.29, 0.22), new("resnet18", 0.41, 0.47),
    ];

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_png_decodes_to_the_plot_size_with_a_titled_non_blank_figure()
    {
        var files = TransferPlot.Write(_dir.File("transfer.png"), Points, images: 2000, "small-cnn (standard)", Det);

        var png = new RenderedPng(files.Png);
        Assert.Equal(new ImageShape(3, 600, 900), png.Shape);
        Assert.InRange(png.InkShare(0, 600), 0.005, 0.5);
        Assert.True(png.InkShare(0, 60) > 0.01, $"title band ink {png.InkShare(0, 60)}");
        Assert.True(png.SaturatedColours() >= 1, "the points are drawn in colour");
        Assert.Equal(_dir.File("transfer.csv"), files.Csv);
    }

    [Fact]
    public void The_csv_read_back_equals_the_points_and_the_plot_shows_exactly_the_csv_with_one_label_per_architecture()
    {
        var files = TransferPlot.Write(_dir.File("transfer.png"), Points, images: 2000, "small-cnn (standard)", Det);

        var fromCsv = TransferPlot.ReadCsv(files.Csv);
        Assert.Equal(Points, fromCsv);
        using var plot = TransferPlot.Draw(fromCsv, 2000, "small-cnn (standard)", Det);
        var plotted = Assert.Single(plot.GetPlottables<Scatter>()).Data.GetScatterPoints();
        Assert.Equal(fromCsv.Select(p => p.DetAccuracy), plotted.Select(c => c.X));
        Assert.Equal(fromCsv.Select(p => p.TransferSuccess), plotted.Select(c => c.Y));
        var labels = plot.GetPlottables<Text>().ToList();
        Assert.Equal(fromCsv.Select(p => p.Architecture), labels.Select(l => l.LabelText));
        Assert.Equal(fromCsv.Select(p => (p.DetAccuracy, p.TransferSuccess)), labels.Select(l => (l.Location.X, l.Location.Y)));
        var r = PearsonCorrelation.Of(fromCsv.Select(p => p.DetAccuracy).ToList(), fromCsv.Select(p => p.TransferSuccess).ToList());
        Assert.Contains($"Pearson r = {r:0.00}", plot.Axes.Title.Label.Text);
        Assert.Contains("2,000 test images", plot.Axes.Title.Label.Text);
        Assert.Contains("PGD-10, eps 4", plot.Axes.Title.Label.Text);
    }

    [Fact]
    public void The_png_is_exactly_the_rendering_of_the_csv_read_back()
    {
        var files = TransferPlot.Write(_dir.File("transfer.png"), Points, images: 2000, "small-cnn", Det);

        using var again = TransferPlot.Draw(TransferPlot.ReadCsv(files.Csv), 2000, "small-cnn", Det);
        var shape = new RenderedPng(files.Png).Shape;
        Assert.Equal(File.ReadAllBytes(files.Png), again.GetImageBytes(shape.Width, shape.Height, ScottPlot.ImageFormat.Png));
    }

    [Fact]
    public void A_single_architecture_is_drawn_with_r_undefined_and_repeated_architectures_are_refused()
    {
        var files = TransferPlot.Write(_dir.File("one.png"), [new("mlp", 0.3, 0.2)], images: 10, "small-cnn", Det);
        using var plot = TransferPlot.Draw(TransferPlot.ReadCsv(files.Csv), 10, "small-cnn", Det);
        Assert.Contains("r undefined", plot.Axes.Title.Label.Text);
        Assert.Empty(plot.GetPlottables<ScottPlot.Plottables.LinePlot>());

        Assert.Contains("'mlp' has 2 points", Assert.Throws<ArgumentException>(
            () => TransferPlot.Write(_dir.File("twice.png"), [new("mlp", 0.3, 0.2), new("mlp", 0.4, 0.2)], 10, "small-cnn", Det)).Message);
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
}
