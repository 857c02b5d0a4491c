using System.Text.Json;
using StreamPipeline.Data;

namespace StreamPipeline.Cli.Tests.Build;

/// <summary>
/// A dataset in the Hugging Face Hub's Parquet layout, written by DuckDB (<see cref="HubParquet"/>), feeds the real
/// program: <c>train --data parquet:GLOB</c>, <c>evaluate --data parquet:FILE</c> and <c>build … --data parquet:DIR</c>;
/// bad files are one line and exit 2.
/// </summary>
[Collection(BuildTestCollection.Name)]
public sealed class HuggingFaceParquetSourceTests(TinyModelFixture fixture) : IDisposable
{
    // The fixture's classes are the bright quadrant of an 8×8 image.
    private static readonly string[] Names = ["top left", "top right", "bottom left", "bottom right"];
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Hub_parquet_export_trains_evaluates_and_builds_a_dataset_that_keeps_its_class_names()
    {
        var export = WriteExport(rows: 96);
        var model = _dir.File("on-hub.pt");

        var trained = CliProcess.Run(fixture.Root, "train", "--data", $"parquet:{export}/train-*.parquet", "--out", model,
            "--epochs", "1", "--batch-size", "32", "--lr", "0.01", "--device", "cpu", "--threads", "1", "--json");

        Assert.True(trained.ExitCode == 0, trained.Stderr);
        using (var sidecar = JsonDocument.Parse(File.ReadAllText(model + ".json")))
        {
            Assert.Equal($"parquet:{export}/train-*.parquet", sidecar.RootElement.GetProperty("dataset_ref").GetString());
            Assert.Equal([1, 8, 8], sidecar.RootElement.GetProperty("input_shape").EnumerateArray().Select(e => e.GetInt32()));
            Assert.Equal(Names.Length, sidecar.RootElement.GetProperty("classes").GetInt32());
        }

        var evaluated = CliProcess.Run(fixture.Root, "evaluate", "--model", model, "--data", $"parquet:{export}/train-00001-of-00002.parquet",
            "--device", "cpu", "--threads", "1", "--json");

        Assert.True(evaluated.ExitCode == 0, evaluated.Stderr);
        using (var json = JsonDocument.Parse(evaluated.Stdout))
            Assert.Equal(48, json.RootElement.GetProperty("examples").GetInt64());

        var jobDir = fixture.NewJobDirectory("det-from-hub");
        var build = DetBuild.Of(fixture) with { Data = $"parquet:{export}", Limit = 40, ShardSize = 16 };
        var built = CliProcess.Run(fixture.Root, build.Command(jobDir));

        Assert.True(built.ExitCode == 0, built.Stderr);
        using var data = new BuiltDataset(jobDir);
        var rows = data.Rows();
        Assert.Equal(40, rows.Count);
        // PNG is lossless, so the Hub rows are the fixture's source rows: same labels, det targets the next class.
        Assert.All(rows, r => Assert.Equal(fixture.SourceLabel(r.Index), r.SourceLabel));
        Assert.All(rows, r => Assert.Equal((r.SourceLabel + 1) % Names.Length, r.Label));
        Assert.All(data.KeyValueMetadata().Values, kv => Assert.Equal(JsonSerializer.Serialize(Names), kv["stream_pipeline.classes"]));
    }

    [Theory]
    [InlineData("no-image", "no Image feature")]
    [InlineData("undecodable", "row 1: unreadable image")]
    [InlineData("label-out-of-range", "row 2: label 7 is outside 0..3")]
    // Before: a 1,000,000-class model (517 MB for 4 images); now refused at the row that holds the label.
    [InlineData("label-999999-without-names", "row 2: label 999,999 would make 1,000,000 classes; a dataset may have at most 100,000")]
    // Before: a fourth class that no example has; now refused naming the first missing class.
    [InlineData("label-gap-without-names", "labels are not 0..3: 3 occurs but 2 never does")]
    // Before: OutOfMemoryException making two billion class names.
    [InlineData("num-classes-two-billion", "num_classes: 2,000,000,000 classes; a dataset may have at most 100,000")]
    // Before: "unreadable image (not PNG or JPEG)".
    [InlineData("png-100000x100000", "row 1: PNG of 100000x100000 pixels; an image may have at most 67,108,864 pixels")]
    public void Bad_hub_file_is_one_line_naming_it_and_exit_2(string kind, string mustMention)
    {
        var png = PngCodec.Encode(fixture.SourcePixels(0), new ImageShape(1, 8, 8));
        var path = _dir.File(kind + ".parquet");
        switch (kind)
        {
            case "label-999999-without-names":
                HubParquet.Write(path, [new(png, 0), new(png, 1), new(png, 999_999), new(png, 1)], HubParquet.Features());
                break;
            case "label-gap-without-names":
                HubParquet.Write(path, [new(png, 0), new(png, 1), new(png, 3), new(png, 1)], HubParquet.Features());
                break;
            case "num-classes-two-billion":
                HubParquet.Write(path, [new(png, 0), new(png, 1)],
                    """{"info":{"features":{"img":{"_type":"Image"},"label":{"num_classes":2000000000,"_type":"ClassLabel"}}}}""");
                break;
            case "png-100000x100000":
                HubParquet.Write(path, [new(png, 0), new(HostilePng.WithSize(png, 100_000, 100_000), 1)], HubParquet.Features(classNames: Names));
                break;
            case "no-image":
                HubParquet.Write(path, [new(png, 0), new(png, 1)], """{"info":{"features":{"label":{"names":["a","b"],"_type":"ClassLabel"}}}}""");
                break;
            case "undecodable":
                HubParquet.Write(path, [new(png, 0), new([1, 2, 3, 4], 1)], HubParquet.Features(classNames: Names));
                break;
            default:
                HubParquet.Write(path, [new(png, 0), new(png, 1), new(png, 7)], HubParquet.Features(classNames: Names));
                break;
        }

        // Without a ClassLabel feature the label column is named.
        var reference = "parquet:" + path + (kind.EndsWith("-without-names", StringComparison.Ordinal) ? "?label=label" : "");
        var result = CliProcess.Run(_dir.Path, "train", "--data", reference, "--out", _dir.File("m.pt"), "--epochs", "1",
            "--device", "cpu", "--threads", "1");

        Assert.Equal(2, result.ExitCode);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var error = Assert.Single(lines, l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Contains(path, error);
        Assert.Contains(mustMention, error);
        Assert.DoesNotContain(lines, l => l.StartsWith("at ", StringComparison.Ordinal));
    }

    [Fact]
    public void Labels_with_a_gap_are_refused_alike_by_train_evaluate_and_build()
    {
        // The source images with labels 0, 1 and 3 (no 2) and no ClassLabel names: 3 classes or 4 cannot be told.
        var shape = new ImageShape(1, TinyData.Side, TinyData.Side);
        var rows = Enumerable.Range(0, 40)
            .Select(i => new HubParquet.Row(PngCodec.Encode(fixture.SourcePixels(i), shape), fixture.SourceLabel(i) == 2 ? 3 : fixture.SourceLabel(i)))
            .ToList();
        var path = _dir.File("gap.parquet");
        HubParquet.Write(path, rows, HubParquet.Features());
        var data = "parquet:" + path + "?label=label";

        var results = new Dictionary<string, CliProcess.Result>
        {
            ["train"] = CliProcess.Run(_dir.Path, "train", "--data", data, "--out", _dir.File("m.pt"), "--epochs", "1", "--device", "cpu", "--threads", "1"),
            ["evaluate"] = CliProcess.Run(_dir.Path, "evaluate", "--model", fixture.Model, "--data", data, "--device", "cpu", "--threads", "1"),
            ["build"] = CliProcess.Run(_dir.Path, (DetBuild.Of(fixture) with { Data = data, Limit = 16 }).Command(_dir.File("job"))),
        };

        foreach (var (command, result) in results)
        {
            Assert.True(result.ExitCode == 2, $"{command}: exit code {result.ExitCode}: {result.Stderr}");
            var error = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                l => l.StartsWith("error:", StringComparison.Ordinal));
            Assert.Contains($"{path}: label column 'label' (no ClassLabel): labels are not 0..3: 3 occurs but 2 never does", error);
        }
        Assert.False(File.Exists(_dir.File("m.pt")));
    }

    /// <summary>The fixture's first <paramref name="rows"/> source images as PNG in two Hub-style shards under export/data.</summary>
    private string WriteExport(int rows)
    {
        var shape = new ImageShape(1, TinyData.Side, TinyData.Side);
        var all = Enumerable.Range(0, rows)
            .Select(i => new HubParquet.Row(PngCodec.Encode(fixture.SourcePixels(i), shape), fixture.SourceLabel(i)))
            .ToList();
        var folder = Directory.CreateDirectory(_dir.File("export/data")).FullName;
        var half = rows / 2;
        HubParquet.Write(Path.Combine(folder, "train-00000-of-00002.parquet"), all[..half], HubParquet.Features(classNames: Names));
        HubParquet.Write(Path.Combine(folder, "train-00001-of-00002.parquet"), all[half..], HubParquet.Features(classNames: Names));
        return folder;
    }
}
