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
    public void Bad_hub_file_is_one_line_naming_it_and_exit_2(string kind, string mustMention)
    {
        var png = PngCodec.Encode(fixture.SourcePixels(0), new ImageShape(1, 8, 8));
        var path = _dir.File(kind + ".parquet");
        switch (kind)
        {
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

        var result = CliProcess.Run(_dir.Path, "train", "--data", "parquet:" + path, "--out", _dir.File("m.pt"), "--epochs", "1",
            "--device", "cpu", "--threads", "1");

        Assert.Equal(2, result.ExitCode);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var error = Assert.Single(lines, l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Contains(path, error);
        Assert.Contains(mustMention, error);
        Assert.DoesNotContain(lines, l => l.StartsWith("at ", StringComparison.Ordinal));
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
