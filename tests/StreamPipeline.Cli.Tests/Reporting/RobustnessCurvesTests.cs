using ScottPlot.Plottables;
using StreamPipeline.Attacks;
using StreamPipeline.Cli.Reporting;
using StreamPipeline.Data;

namespace StreamPipeline.Cli.Tests.Reporting;

[Collection(PlotTestCollection.Name)]
public sealed class RobustnessCurvesTests : IDisposable
{
    private static readonly AttackSettings Attack =
        new(ThreatModel.L2, Eps: 1.5f, StepSize: 0.375f, Steps: 10, RandomStart: true, KeepBest: true, Targeted: false);

    // Figure 2's shape: the standard model falls fast, the adversarially trained one slowly, D_R in between.
    private static readonly RobustnessCurvePoint[] Points =
    [
        new("D (standard training)", 0, 0.834), new("D (standard training)", 0.5, 0.52), new("D (standard training)", 1, 0.31),
        new("D (standard training)", 1.5, 0.275), new("D (standard training)", 2.5, 0.05),
        new("D (adversarial training)", 0, 0.778), new("D (adversarial training)", 0.5, 0.73), new("D (adversarial training)", 1, 0.66),
        new("D (adversarial training)", 1.5, 0.571), new("D (adversarial training)", 2.5, 0.38),
        new("D_R (robust features)", 0, 0.704), new("D_R (robust features)", 0.5, 0.6), new("D_R (robust features)", 1, 0.45),
        new("D_R (robust features)", 1.5, 0.329), new("D_R (robust features)", 2.5, 0.12),
    ];

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_png_decodes_to_the_plot_size_with_a_titled_non_blank_figure_and_a_colour_per_training_set()
    {
        var files = RobustnessCurves.Write(_dir.File("robustness.png"), Points, images: 2000, Attack);

        var png = new RenderedPng(files.Png);
        Assert.Equal(new ImageShape(3, 600, 900), png.Shape);
        var ink = png.InkShare(0, 600);
        Assert.InRange(ink, 0.005, 0.5);
        // Text is drawn (a machine without fonts would leave the title band empty).
        Assert.True(png.InkShare(0, 40) > 0.01, $"title band ink {png.InkShare(0, 40)}");
        Assert.True(png.SaturatedColours() >= 3, $"{png.SaturatedColours()} saturated colours for 3 lines");
        Assert.Equal(_dir.File("robustness.csv"), files.Csv);
        Assert.Empty(Directory.GetFiles(_dir.Path, "*.tmp"));
    }

    [Fact]
    public void The_csv_read_back_equals_the_points_and_each_plotted_line_equals_its_rows_of_the_csv()
    {
        var files = RobustnessCurves.Write(_dir.File("robustness.png"), Points, images: 2000, Attack);

        var fromCsv = RobustnessCurves.ReadCsv(files.Csv);
        Assert.Equal(Points, fromCsv);
        using var plot = RobustnessCurves.Draw(fromCsv, 2000, Attack);
        var lines = plot.GetPlottables<Scatter>().ToList();
        Assert.Equal(["D (standard training)", "D (adversarial training)", "D_R (robust features)"], lines.Select(l => l.LegendText));
        foreach (var line in lines)
        {
            var rows = fromCsv.Where(p => p.TrainingSet == line.LegendText).OrderBy(p => p.Eps).ToList();
            var plotted = line.Data.GetScatterPoints();
            Assert.Equal(rows.Select(p => p.Eps), plotted.Select(c => c.X));
            Assert.Equal(rows.Select(p => p.RobustAccuracy), plotted.Select(c => c.Y));
        }
    }

    [Fact]
    public void The_png_is_exactly_the_rendering_of_the_csv_read_back()
    {
        var files = RobustnessCurves.Write(_dir.File("robustness.png"), Points, images: 2000, Attack);

        using var again = RobustnessCurves.Draw(RobustnessCurves.ReadCsv(files.Csv), 2000, Attack);
        var shape = new RenderedPng(files.Png).Shape;
        Assert.Equal(File.ReadAllBytes(files.Png), again.GetImageBytes(shape.Width, shape.Height, ScottPlot.ImageFormat.Png));
    }

    [Fact]
    public void Names_with_commas_quotes_and_unsorted_eps_round_trip_through_the_csv()
    {
        RobustnessCurvePoint[] points =
        [
            new("D_det, \"deterministic\" targets", 1.0, 0.0), new("D_det, \"deterministic\" targets", 0, 0.518),
            new("plain", 0.1 + 0.2, 1.0 / 3),
        ];

        var files = RobustnessCurves.Write(_dir.File("odd.png"), points, images: 7, Attack);

        Assert.Equal(points, RobustnessCurves.ReadCsv(files.Csv));
        Assert.StartsWith("training_set,eps,robust_accuracy\n\"D_det, \"\"deterministic\"\" targets\",1,0\n", File.ReadAllText(files.Csv));
    }

    [Fact]
    public void Writing_again_replaces_both_files()
    {
        var path = _dir.File("robustness.png");
        RobustnessCurves.Write(path, Points, images: 2000, Attack);
        var firstPng = File.ReadAllBytes(path);

        var files = RobustnessCurves.Write(path, Points.Take(5).ToArray(), images: 2000, Attack);

        Assert.Equal(Points.Take(5), RobustnessCurves.ReadCsv(files.Csv));
        Assert.NotEqual(firstPng, File.ReadAllBytes(path));
        Assert.Equal(2, Directory.GetFiles(_dir.Path).Length);
    }

    [Fact]
    public void Points_that_are_not_fractions_repeat_an_eps_or_go_to_a_non_png_path_are_refused_and_nothing_is_written()
    {
        var png = _dir.File("bad.png");
        Assert.Contains("fraction in [0, 1], got NaN", Assert.Throws<ArgumentException>(
            () => RobustnessCurves.Write(png, [new("D", 0, double.NaN)], 10, Attack)).Message);
        Assert.Contains("fraction in [0, 1], got 1.5", Assert.Throws<ArgumentException>(
            () => RobustnessCurves.Write(png, [new("D", 0, 1.5)], 10, Attack)).Message);
        Assert.Contains("eps must be finite and not negative", Assert.Throws<ArgumentException>(
            () => RobustnessCurves.Write(png, [new("D", -1, 0.5)], 10, Attack)).Message);
        Assert.Contains("D has 2 points at eps 0.5", Assert.Throws<ArgumentException>(
            () => RobustnessCurves.Write(png, [new("D", 0.5, 0.5), new("D", 0.5, 0.4)], 10, Attack)).Message);
        Assert.Contains("must end in .png", Assert.Throws<ArgumentException>(
            () => RobustnessCurves.Write(_dir.File("plot.svg"), Points, 10, Attack)).Message);
        Assert.Contains("at least one point", Assert.Throws<ArgumentException>(
            () => RobustnessCurves.Write(png, [], 10, Attack)).Message);
        Assert.Empty(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void A_csv_with_another_header_or_a_non_number_is_refused_naming_the_file()
    {
        var wrongHeader = _dir.File("header.csv");
        File.WriteAllText(wrongHeader, "set,eps,accuracy\nD,0,0.5\n");
        var notNumber = _dir.File("number.csv");
        File.WriteAllText(notNumber, "training_set,eps,robust_accuracy\nD,0,0.5\nD,one,0.4\n");

        var header = Assert.Throws<InvalidDataException>(() => RobustnessCurves.ReadCsv(wrongHeader));
        Assert.Contains(wrongHeader, header.Message);
        Assert.Contains("training_set,eps,robust_accuracy", header.Message);
        var number = Assert.Throws<InvalidDataException>(() => RobustnessCurves.ReadCsv(notNumber));
        Assert.Contains($"{notNumber}: record 3: 'one' is not a number", number.Message);
    }
}
