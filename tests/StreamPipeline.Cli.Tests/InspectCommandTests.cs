using System.Text.Json;
using StreamPipeline.Cli.Commands;
using StreamPipeline.Application.Inspection;
using StreamPipeline.Cli.Presentation;
using StreamPipeline.Cli.Tests.Inspection;
using StreamPipeline.Data;

namespace StreamPipeline.Cli.Tests;

/// <summary><c>inspect</c> on job directories written with the pipeline's own manifest and Parquet shard writer.</summary>
public sealed class InspectCommandTests : IDisposable
{
    // 46 examples in shards of 10: shards 0..3 hold 10 rows, shard 4 holds 6.
    private const int Examples = 46;
    private const int ShardSize = 10;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private async Task<TinyJob> HalfFinishedJob()
    {
        var job = TinyJob.Create(_dir.Path, Examples, ShardSize);
        foreach (var id in new[] { 0, 2, 4 })
            await job.CommitAsync(id);
        return job;
    }

    [Fact]
    public async Task The_report_goes_to_stdout_with_every_label_shown_by_its_class_name()
    {
        using var job = await HalfFinishedJob();
        var rows = job.CommittedRows;

        var result = CliProcess.Run(_dir.Path, "inspect", job.Root);

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("", result.Stderr.Trim());
        Assert.StartsWith("inspect: ", result.Stdout);
        var histogram = result.Stdout.Split('\n').Where(l => l.StartsWith("    ", StringComparison.Ordinal)).Select(l => l.Trim()).ToArray();
        Assert.Equal(TinyJob.Classes, histogram.Length);
        for (var c = 0; c < TinyJob.Classes; c++)
        {
            var line = histogram[c];
            Assert.Contains(TinyJob.ClassNames[c], line);
            Assert.Contains($"label {rows.Count(r => r.Label == c)}", System.Text.RegularExpressions.Regex.Replace(line, " +", " "));
            Assert.Contains($"source {rows.Count(r => r.SourceLabel == c)}", System.Text.RegularExpressions.Regex.Replace(line, " +", " "));
        }
        using var json = JsonDocument.Parse(CliProcess.Run(_dir.Path, "inspect", job.Root, "--json").Stdout);
        Assert.Equal(TinyJob.ClassNames, json.RootElement.GetProperty("class_names").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Json_on_a_half_finished_running_job_reports_committed_counts_histograms_and_rates()
    {
        using var job = await HalfFinishedJob();
        var rows = job.CommittedRows;

        // The job directory is still open (locked), as while a build runs.
        var result = CliProcess.Run(_dir.Path, "inspect", job.Root, "--json");

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        var r = json.RootElement;
        Assert.Equal(Path.GetFullPath(job.Root), r.GetProperty("job_dir").GetString());
        Assert.Equal("det", r.GetProperty("construction").GetString());
        Assert.Equal(job.DataRef, r.GetProperty("data").GetString());
        Assert.Equal(Examples, r.GetProperty("total_examples").GetInt64());
        Assert.Equal(5, r.GetProperty("shards_total").GetInt32());
        Assert.Equal(3, r.GetProperty("shards_done").GetInt32());
        Assert.Equal(26, r.GetProperty("rows_done").GetInt64());
        Assert.False(r.GetProperty("complete").GetBoolean());
        Assert.Equal(26, rows.Count);
        Assert.Equal(rows.Count(x => x.AttackSuccess) / 26.0, r.GetProperty("attack_success_rate").GetDouble(), 12);
        Assert.Equal(rows.Average(x => (double)x.Distance), r.GetProperty("mean_distance").GetDouble(), 9);
        Assert.Equal(rows.Count(x => x.Label != x.SourceLabel) / 26.0, r.GetProperty("relabelled_share").GetDouble(), 12);
        Assert.Equal(Histogram(rows.Select(x => x.Label)), r.GetProperty("label_histogram").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(Histogram(rows.Select(x => x.SourceLabel)), r.GetProperty("source_label_histogram").EnumerateArray().Select(e => e.GetInt64()));
        // Labels were shifted for 4 of every 5 examples: the two histograms really differ.
        Assert.NotEqual(Histogram(rows.Select(x => x.Label)), Histogram(rows.Select(x => x.SourceLabel)));
        var spec = r.GetProperty("spec");
        Assert.Equal("l2", spec.GetProperty("norm").GetString());
        Assert.Equal(job.Spec.Attack.Eps, spec.GetProperty("eps").GetDouble());
        Assert.Equal(job.Spec.Attack.Steps, spec.GetProperty("steps").GetInt32());
        Assert.Equal(0, spec.GetProperty("seed").GetInt64());
        Assert.Equal(TinyJob.ModelSha256, r.GetProperty("model_sha256").GetString());
        Assert.Contains("incomplete (2 shards pending)", result.Stderr);

        // The build's lock was left alone: the running job commits the next shard, and inspect sees it.
        await job.CommitAsync(1);
        var later = await JobInspector.InspectAsync(job.Root);
        Assert.Equal(4, later.Progress.ShardsDone);
        Assert.Equal(36, later.Stats.Rows);
    }

    [Fact]
    public async Task Grid_cells_hold_the_source_and_constructed_pixels_of_examples_spread_over_done_shards()
    {
        using var job = await HalfFinishedJob();
        var path = _dir.File("grid.png");

        var result = await JobInspector.RunAsync(
            new InspectRequest(job.Root, path, new GridSettings(Rows: 4), DataRoot: null), CancellationToken.None);

        var grid = result.Grid!;
        // Round-robin over done shards 0, 2, 4: two rows of shard 0, then the first rows of shards 2 and 4.
        Assert.Equal(new long[] { 0, 1, 20, 40 }, grid.Rows.Select(r => r.Index));
        Assert.Equal(new[] { 0, 0, 2, 4 }, grid.Rows.Select(r => r.Shard));
        var pixels = PngCodec.Decode(File.ReadAllBytes(path), out var shape);
        Assert.Equal(new ImageShape(3, grid.Height, grid.Width), shape);
        Assert.True(grid.Scale > 1, $"scale {grid.Scale}");
        Assert.False(File.Exists(path + ".tmp"));
        foreach (var row in grid.Rows)
        {
            var constructed = job.RowFor(row.Index);
            Assert.Equal((job.SourceLabels[row.Index], constructed.Label), (row.SourceLabel, row.Label));
            var source = job.SourcePixels.AsSpan((int)row.Index * TinyJob.Shape.Size, TinyJob.Shape.Size).ToArray();
            AssertCell(pixels, shape, row.SourceLeft, row.Top, grid.Scale, p => source[p]);
            AssertCell(pixels, shape, row.ConstructedLeft, row.Top, grid.Scale, p => PngCodec.Quantize(constructed.Pixels.Span[p]));
            AssertCell(pixels, shape, row.DiffLeft, row.Top, grid.Scale,
                p => PngCodec.Quantize(0.5f + 4f * (constructed.Pixels.Span[p] - source[p] / 255f)));
        }
        // Every label is written by its class name, the source's and the one trained on.
        Assert.All(grid.Rows, r => Assert.Equal((TinyJob.ClassNames[r.SourceLabel], TinyJob.ClassNames[r.Label]), (r.SourceName, r.LabelName)));
        Assert.All(grid.Rows, r => Assert.Equal($"{r.SourceName} → {r.LabelName}", r.Lines[0]));
        Assert.All(grid.Rows, r => Assert.Null(r.StartLeft));
        Assert.Contains("source x | constructed x_adv", grid.Legend[0]);
        // The label text is drawn to the right of the difference image.
        var textLeft = grid.Rows[0].DiffLeft + TinyData.Side * grid.Scale + ExampleGrid.Gap;
        var background = Byte(pixels, shape, 0, grid.Width - 1, grid.Height - 1);
        Assert.Contains(Enumerable.Range(textLeft, grid.Width - textLeft),
            x => Enumerable.Range(grid.Rows[0].Top, 14).Any(y => Byte(pixels, shape, 0, x, y) != background));
    }

    [Fact]
    public async Task Grid_written_by_the_program_is_the_rendered_grid_and_json_names_it()
    {
        using var job = await HalfFinishedJob();
        var path = _dir.File("cli-grid.png");

        var result = CliProcess.Run(_dir.Path, "inspect", job.Root, "--grid", path, "--grid-rows", "3", "--json");

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal(path, json.RootElement.GetProperty("grid").GetString());
        using var source = DatasetReference.Open(job.DataRef);
        var expected = await ExampleGrid.BuildAsync(job.Root, JobInspector.ReadManifest(job.Root), source, new GridSettings(Rows: 3));
        Assert.Equal(expected.Png, File.ReadAllBytes(path));
        Assert.Equal(3, expected.Rows.Count);
    }

    [Fact]
    public void Missing_or_foreign_job_directory_is_one_line_and_exit_2()
    {
        AssertOneLine(CliProcess.Run(_dir.Path, "inspect", _dir.File("nope")), _dir.File("nope"));
        AssertOneLine(CliProcess.Run(_dir.Path, "inspect", _dir.Path), "no manifest.json");
        var broken = Directory.CreateDirectory(_dir.File("broken")).FullName;
        File.WriteAllText(Path.Combine(broken, "manifest.json"), "{ not json");
        AssertOneLine(CliProcess.Run(_dir.Path, "inspect", broken), "manifest.json");
        AssertOneLine(CliProcess.Run(_dir.Path, "inspect", broken, "--grid-rows", "3"), "--grid-rows");
        AssertOneLine(CliProcess.Run(_dir.Path, "inspect", broken, "--grid", _dir.File("no/such/grid.png")), "does not exist");
    }

    [Fact]
    public async Task Job_without_committed_shards_reports_no_rows_and_refuses_a_grid()
    {
        using var job = TinyJob.Create(_dir.Path, Examples, ShardSize);

        var inspection = await JobInspector.InspectAsync(job.Root);

        Assert.Equal((0, 5, 0L, 0.0), (inspection.Progress.ShardsDone, inspection.Progress.ShardsTotal, inspection.Progress.RowsDone, inspection.Progress.Percent));
        var json = InspectionReport.ToJson(inspection);
        Assert.Null(json["attack_success_rate"]);
        Assert.Null(json["mean_distance"]);
        Assert.Empty(json["label_histogram"]!.AsArray());
        var error = await Assert.ThrowsAsync<ArgumentException>(() => JobInspector.RunAsync(
            new InspectRequest(job.Root, _dir.File("g.png"), new GridSettings(), null), CancellationToken.None));
        Assert.Contains("no committed shard", error.Message);
    }

    [Fact]
    public async Task Grid_refuses_a_source_dataset_whose_labels_are_not_the_jobs()
    {
        using var job = await HalfFinishedJob();
        // Same images, every label moved by one: what a wrong --data-root or dataset would look like.
        var images = _dir.File("other-images");
        var labels = _dir.File("other-labels");
        File.WriteAllBytes(images, [.. TinyData.Header(0x803, Examples, TinyData.Side, TinyData.Side), .. job.SourcePixels]);
        File.WriteAllBytes(labels, [.. TinyData.Header(0x801, Examples), .. job.SourceLabels.Select(l => (byte)((l + 1) % TinyJob.Classes))]);
        using var other = DatasetReference.Open($"idx:{images},{labels}");

        var error = await Assert.ThrowsAsync<DataFormatException>(() =>
            ExampleGrid.BuildAsync(job.Root, JobInspector.ReadManifest(job.Root), other, new GridSettings(Rows: 2)));

        Assert.Contains("check --data-root", error.Message);
    }

    private static long[] Histogram(IEnumerable<int> labels)
    {
        var counts = new long[TinyJob.Classes];
        foreach (var label in labels) counts[label]++;
        return counts;
    }

    private static byte Byte(float[] chw, ImageShape shape, int channel, int x, int y) =>
        (byte)Math.Round(chw[(channel * shape.Height + y) * shape.Width + x] * 255f);

    /// <summary>Each pixel of the 8×8 image is a scale×scale block of the expected 8-bit value in every channel.</summary>
    private static void AssertCell(float[] chw, ImageShape shape, int left, int top, int scale, Func<int, byte> expected)
    {
        for (var p = 0; p < TinyData.Side * TinyData.Side; p++)
        {
            var (row, col) = (p / TinyData.Side, p % TinyData.Side);
            for (var dy = 0; dy < scale; dy++)
            for (var dx = 0; dx < scale; dx++)
            for (var c = 0; c < 3; c++)
            {
                var actual = Byte(chw, shape, c, left + col * scale + dx, top + row * scale + dy);
                if (actual != expected(p))
                    Assert.Fail($"cell at ({left},{top}) pixel {p} channel {c}: {actual}, expected {expected(p)}");
            }
        }
    }

    private static void AssertOneLine(CliProcess.Result result, string mustMention)
    {
        Assert.Equal(2, result.ExitCode);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Single(lines);
        Assert.StartsWith("error:", lines[0]);
        Assert.Contains(mustMention, lines[0]);
        Assert.Equal("", result.Stdout.Trim());
    }
}
