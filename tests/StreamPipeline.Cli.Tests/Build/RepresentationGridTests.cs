using System.Text.Json;
using StreamPipeline.Application.Inspection;
using StreamPipeline.Data;

namespace StreamPipeline.Cli.Tests.Build;

/// <summary>
/// The grid of a representation-matching dataset (D_NR here) built by the real program: per row the start image x0,
/// the constructed image, the source whose label and representation were targeted, and the difference from x0 — each
/// cell exactly those pixels — and every label written by its class name.
/// </summary>
[Collection(BuildTestCollection.Name)]
public sealed class RepresentationGridTests(TinyModelFixture fixture)
{
    [Fact]
    public async Task A_nonrobust_grid_shows_the_start_image_the_constructed_one_and_the_source_with_class_names()
    {
        var jobDir = fixture.NewJobDirectory("nr-grid");
        var built = CliProcess.Run(fixture.Root, "build", jobDir, "--construction", "nonrobust", "--model", fixture.Model, "--data", fixture.SourceReference,
            "--limit", "8", "--shard-size", "8", "--batch-size", "8", "--steps", "3", "--threads", "1", "--metrics", "none", "--quiet");
        Assert.True(built.ExitCode == 0, built.Stderr);
        var png = fixture.NewJobDirectory("nr-grid") + ".png";

        var inspected = CliProcess.Run(fixture.Root, "inspect", jobDir, "--grid", png, "--grid-rows", "4", "--json");

        Assert.True(inspected.ExitCode == 0, inspected.Stderr);
        using (var json = JsonDocument.Parse(inspected.Stdout))
            Assert.Equal(png, json.RootElement.GetProperty("grid").GetString());
        using var source = DatasetReference.Open(fixture.SourceReference);
        var grid = await ExampleGrid.BuildAsync(jobDir, JobInspector.ReadManifest(jobDir), source, new GridSettings(Rows: 4));
        Assert.Equal(grid.Png, File.ReadAllBytes(png));
        Assert.Contains("start x0 | constructed x_r | source x", grid.Legend[0]);
        Assert.Contains("‖g(x_r) − g(x)‖ / ‖g(x)‖", grid.Legend[1]);
        var pixels = PngCodec.Decode(grid.Png, out var shape);
        foreach (var row in grid.Rows)
        {
            Assert.NotNull(row.StartIndex);
            Assert.NotNull(row.StartLeft);
            Assert.NotEqual(row.Index, row.StartIndex);
            // The label trained on is the source's, by its class name (an IDX dataset's classes are named "0", "1", …).
            Assert.Equal(row.SourceLabel, row.Label);
            Assert.Equal(source.ClassNames[row.Label], row.LabelName);
            Assert.Equal($"label {row.LabelName}", row.Lines[0]);
            Assert.Contains($"x0 #{row.StartIndex} ({source.ClassNames[fixture.SourceLabel(row.StartIndex!.Value)]})", row.Lines[1]);
            AssertCell(pixels, shape, row.StartLeft!.Value, row.Top, grid.Scale, fixture.SourcePixels(row.StartIndex!.Value));
            AssertCell(pixels, shape, row.SourceLeft, row.Top, grid.Scale, fixture.SourcePixels(row.Index));
        }
    }

    /// <summary>The cell at (left, top) is the 8×8 grey image upscaled by <paramref name="scale"/>, in all three channels.</summary>
    private static void AssertCell(float[] chw, ImageShape shape, int left, int top, int scale, float[] image)
    {
        for (var p = 0; p < image.Length; p++)
        {
            var (row, col) = (p / TinyData.Side, p % TinyData.Side);
            for (var c = 0; c < 3; c++)
            {
                var actual = (byte)Math.Round(chw[(c * shape.Height + top + row * scale) * shape.Width + left + col * scale] * 255f);
                Assert.True(actual == PngCodec.Quantize(image[p]), $"cell at ({left},{top}) pixel {p} channel {c}: {actual}, expected {PngCodec.Quantize(image[p])}");
            }
        }
    }
}
