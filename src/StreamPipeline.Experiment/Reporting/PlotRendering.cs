using System.Globalization;
using ScottPlot;
using ScottPlot.TickGenerators;
using StreamPipeline.Application.Inspection;
using StreamPipeline.Data.Files;

namespace StreamPipeline.Experiment.Reporting;

/// <summary>What every plot of the report shares: size, font, percent axes, and writing the CSV and PNG atomically.</summary>
internal static class PlotRendering
{
    public const int Width = 900;
    public const int Height = 600;

    /// <summary>The font family the plots draw text in (one choice for the whole program: <see cref="TextFont"/>).</summary>
    public static string FontFamily() => TextFont.Family();

    /// <summary>
    /// Series colours: the Okabe–Ito palette (Okabe and Ito 2008), told apart by people with the common colour-vision
    /// deficiencies; its yellow, weak on white, is left out. Every series also gets its own marker shape.
    /// </summary>
    public static IReadOnlyList<Color> Palette { get; } =
    [
        Color.FromHex("#0072B2"), Color.FromHex("#E69F00"), Color.FromHex("#009E73"), Color.FromHex("#CC79A7"),
        Color.FromHex("#D55E00"), Color.FromHex("#56B4E9"), Color.FromHex("#000000"),
    ];

    /// <summary>Marker shapes, one per series, in the order of <see cref="Palette"/>.</summary>
    public static IReadOnlyList<MarkerShape> Markers { get; } =
    [
        MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond,
        MarkerShape.FilledTriangleDown, MarkerShape.OpenCircle, MarkerShape.OpenSquare,
    ];

    /// <summary>The colour of chance lines and fits: grey, dashed.</summary>
    public static Color Reference => Color.FromHex("#7F7F7F");

    /// <summary>The accuracy of guessing among <paramref name="classes"/> classes, as the plots' chance lines draw it.</summary>
    public static double Chance(int classes) => classes >= 2
        ? 1.0 / classes
        : throw new ArgumentException($"chance needs at least 2 classes, got {classes}", nameof(classes));

    /// <summary>Axis ticks for fractions in [0,1] written as percentages; the plotted values stay the fractions of the CSV.</summary>
    public static NumericAutomatic PercentTicks() => new()
    {
        LabelFormatter = value => (100 * value).ToString("0.#", CultureInfo.InvariantCulture) + "%",
    };

    /// <summary>Writes the CSV, then the PNG of <paramref name="plot"/>, each through a temporary file and a rename.</summary>
    public static void Write(PlotFiles files, string csv, Plot plot)
    {
        var png = plot.GetImageBytes(Width, Height, ImageFormat.Png);
        var directory = Path.GetDirectoryName(Path.GetFullPath(files.Png));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        AtomicFile.WriteAllText(files.Csv, csv);
        AtomicFile.WriteAllBytes(files.Png, png);
    }

    public static void CheckFraction(double value, string what)
    {
        if (!(value >= 0 && value <= 1))
            throw new ArgumentException($"{what} must be a fraction in [0, 1], got {value.ToString(CultureInfo.InvariantCulture)}");
    }

    public static void CheckName(string name, string what)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new ArgumentException($"{what} must be a non-empty name");
    }
}
