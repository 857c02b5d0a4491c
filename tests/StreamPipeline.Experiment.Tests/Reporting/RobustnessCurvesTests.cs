using ScottPlot.Plottables;
using StreamPipeline.Attacks;
using StreamPipeline.Experiment.Reporting;
using StreamPipeline.Data;

namespace StreamPipeline.Experiment.Tests.Reporting;

[Collection(PlotTestCollection.Name)]
public sealed class RobustnessCurvesTests : IDisposable
{
    private static readonly AttackSettings Attack =
        new(ThreatModel.L2, Eps: 1.5f, StepSize: 0.375f, Steps: 10, RandomStart: true, KeepBest: true, Targeted: false);

    private const int Classes = 10;

    // Figure 2's shape: the standard model falls fast, the adversarially trained one slowly, D_R in between.
    private static readonly RobustnessCurvePoint[] Points =
    [
        new("D (standard training)", 0, 0.834, 2000), new("D (standard training)", 0.5, 0.52, 2000), new("D (standard training)", 1, 0.31, 2000),
        new("D (standard training)", 1.5, 0.275, 2000), new("D (standard training)", 2.5, 0.05, 2000),
        new("D (adversarial training)", 0, 0.778, 2000), new("D (adversarial training)", 0.5, 0.73, 2000), new("D (adversarial training)", 1, 0.66, 2000),
        new("D (adversarial training)", 1.5, 0.571, 2000), new("D (adversarial training)", 2.5, 0.38, 2000),
        new("D_R (robust features)", 0, 0.704, 2000), new("D_R (robust features)", 0.5, 0.6, 2000), new("D_R (robust features)", 1, 0.45, 2000),
        new("D_R (robust features)", 1.5, 0.329, 2000), new("D_R (robust features)", 2.5, 0.12, 2000),
    ];

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_png_decodes_to_the_plot_size_with_a_titled_non_blank_figure_and_a_colour_per_training_set()
    {
        var files = RobustnessCurves.Write(_dir.File("robustness.png"), Points, Attack, Classes);

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
    public void The_csv_holds_each_point_with_its_n_and_wilson_interval_and_each_plotted_line_and_bar_equals_its_rows()
    {
        var files = RobustnessCurves.Write(_dir.File("robustness.png"), Points, Attack, Classes);

        var fromCsv = RobustnessCurves.ReadCsv(files.Csv);
        Assert.Equal(Points, fromCsv.Select(r => r.Point));
        Assert.All(fromCsv, r => Assert.Equal(WilsonInterval.Of(r.Point.RobustAccuracy, r.Point.Examples), (r.Low, r.High)));
        using var plot = RobustnessCurves.Draw(fromCsv, Attack, Classes);
        var lines = plot.GetPlottables<Scatter>().ToList();
        var bars = plot.GetPlottables<ErrorBar>().ToList();
        Assert.Equal(["D (standard training)", "D (adversarial training)", "D_R (robust features)"], lines.Select(l => l.LegendText));
        Assert.Equal(lines.Count, bars.Count);
        // Distinct shapes and colours: a reader who cannot tell two colours apart still tells the lines apart.
        Assert.Equal(lines.Count, lines.Select(l => l.MarkerShape).Distinct().Count());
        Assert.Equal(lines.Count, lines.Select(l => l.Color).Distinct().Count());
        for (var i = 0; i < lines.Count; i++)
        {
            var rows = fromCsv.Where(r => r.Point.TrainingSet == lines[i].LegendText).OrderBy(r => r.Point.Eps).ToList();
            var plotted = lines[i].Data.GetScatterPoints();
            Assert.Equal(rows.Select(r => r.Point.Eps), plotted.Select(c => c.X));
            Assert.Equal(rows.Select(r => r.Point.RobustAccuracy), plotted.Select(c => c.Y));
            Assert.Equal(rows.Select(r => r.Low), bars[i].Ys.Zip(bars[i].YErrorNegative!, (y, e) => y - e));
            Assert.Equal(rows.Select(r => r.High), bars[i].Ys.Zip(bars[i].YErrorPositive!, (y, e) => y + e));
        }
        var chance = Assert.Single(plot.GetPlottables<HorizontalLine>());
        Assert.Equal(0.1, chance.Y);
        Assert.Contains("chance (10%)", chance.LegendText);
        // Ticks exactly at the eps measured.
        plot.GetImageBytes(900, 600, ScottPlot.ImageFormat.Png);
        Assert.Equal([0, 0.5, 1, 1.5, 2.5], plot.Axes.Bottom.TickGenerator.Ticks.Where(t => t.IsMajor).Select(t => t.Position));
        Assert.Contains("2,000 test images per point", plot.Axes.Title.Label.Text);
        Assert.Contains("95% Wilson intervals", plot.Axes.Title.Label.Text);
    }

    [Fact]
    public void Wilson_intervals_match_worked_values_stay_in_0_1_and_narrow_with_n()
    {
        // p = 0.5 of 100: centre 0.5, half-width z·sqrt(0.0025 + z²/40000)/(1 + z²/100).
        var (low, high) = WilsonInterval.Of(0.5, 100);
        Assert.Equal(0.4038, low, 4);
        Assert.Equal(0.5962, high, 4);
        var zero = WilsonInterval.Of(0, 500);
        Assert.Equal(0, zero.Low);
        Assert.InRange(zero.High, 0.007, 0.008);
        Assert.Equal(1, WilsonInterval.Of(1, 500).High);
        var wide = WilsonInterval.Of(0.3, 500);
        var narrow = WilsonInterval.Of(0.3, 10_000);
        Assert.True(narrow.High - narrow.Low < wide.High - wide.Low);
        Assert.InRange(wide.High - wide.Low, 0.07, 0.09); // about ±4 points at n = 500
    }

    [Fact]
    public void The_png_is_exactly_the_rendering_of_the_csv_read_back()
    {
        var files = RobustnessCurves.Write(_dir.File("robustness.png"), Points, Attack, Classes);

        using var again = RobustnessCurves.Draw(RobustnessCurves.ReadCsv(files.Csv), Attack, Classes);
        var shape = new RenderedPng(files.Png).Shape;
        Assert.Equal(File.ReadAllBytes(files.Png), again.GetImageBytes(shape.Width, shape.Height, ScottPlot.ImageFormat.Png));
    }

    [Fact]
    public void Names_with_commas_quotes_and_unsorted_eps_round_trip_through_the_csv()
    {
        RobustnessCurvePoint[] points =
        [
            new("D_det, \"deterministic\" targets", 1.0, 0.0, 7), new("D_det, \"deterministic\" targets", 0, 0.518, 7),
            new("plain", 0.1 + 0.2, 1.0 / 3, 7),
        ];

        var files = RobustnessCurves.Write(_dir.File("odd.png"), points, Attack, Classes);

        Assert.Equal(points, RobustnessCurves.ReadCsv(files.Csv).Select(r => r.Point));
        Assert.StartsWith("training_set,eps,robust_accuracy,examples,ci95_low,ci95_high\n\"D_det, \"\"deterministic\"\" targets\",1,0,7,0,", File.ReadAllText(files.Csv));
    }

    [Fact]
    public void Writing_again_replaces_both_files()
    {
        var path = _dir.File("robustness.png");
        RobustnessCurves.Write(path, Points, Attack, Classes);
        var firstPng = File.ReadAllBytes(path);

        var files = RobustnessCurves.Write(path, Points.Take(5).ToArray(), Attack, Classes);

        Assert.Equal(Points.Take(5), RobustnessCurves.ReadCsv(files.Csv).Select(r => r.Point));
        Assert.NotEqual(firstPng, File.ReadAllBytes(path));
        Assert.Equal(2, Directory.GetFiles(_dir.Path).Length);
    }

    [Fact]
    public void Points_that_are_not_fractions_repeat_an_eps_or_go_to_a_non_png_path_are_refused_and_nothing_is_written()
    {
        var png = _dir.File("bad.png");
        Assert.Contains("fraction in [0, 1], got NaN", Assert.Throws<ArgumentException>(
            () => RobustnessCurves.Write(png, [new("D", 0, double.NaN, 10)], Attack, Classes)).Message);
        Assert.Contains("fraction in [0, 1], got 1.5", Assert.Throws<ArgumentException>(
            () => RobustnessCurves.Write(png, [new("D", 0, 1.5, 10)], Attack, Classes)).Message);
        Assert.Contains("eps must be finite and not negative", Assert.Throws<ArgumentException>(
            () => RobustnessCurves.Write(png, [new("D", -1, 0.5, 10)], Attack, Classes)).Message);
        Assert.Contains("D has 2 points at eps 0.5", Assert.Throws<ArgumentException>(
            () => RobustnessCurves.Write(png, [new("D", 0.5, 0.5, 10), new("D", 0.5, 0.4, 10)], Attack, Classes)).Message);
        Assert.Contains("measured on 0 images", Assert.Throws<ArgumentException>(
            () => RobustnessCurves.Write(png, [new("D", 0.5, 0.5, 0)], Attack, Classes)).Message);
        Assert.Contains("must end in .png", Assert.Throws<ArgumentException>(
            () => RobustnessCurves.Write(_dir.File("plot.svg"), Points, Attack, Classes)).Message);
        Assert.Contains("at least one point", Assert.Throws<ArgumentException>(
            () => RobustnessCurves.Write(png, [], Attack, Classes)).Message);
        Assert.Empty(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void A_csv_with_another_header_or_a_non_number_is_refused_naming_the_file()
    {
        var wrongHeader = _dir.File("header.csv");
        File.WriteAllText(wrongHeader, "set,eps,accuracy\nD,0,0.5\n");
        var notNumber = _dir.File("number.csv");
        File.WriteAllText(notNumber, "training_set,eps,robust_accuracy,examples,ci95_low,ci95_high\nD,0,0.5,10,0.2,0.8\nD,one,0.4,10,0.1,0.7\n");

        var header = Assert.Throws<InvalidDataException>(() => RobustnessCurves.ReadCsv(wrongHeader));
        Assert.Contains(wrongHeader, header.Message);
        Assert.Contains("training_set,eps,robust_accuracy", header.Message);
        var number = Assert.Throws<InvalidDataException>(() => RobustnessCurves.ReadCsv(notNumber));
        Assert.Contains($"{notNumber}: record 3: 'one' is not a number", number.Message);
    }
}
