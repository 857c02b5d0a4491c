using System.Text.Json;
using System.Text.RegularExpressions;
using StreamPipeline.Data;

namespace StreamPipeline.Cli.Tests;

/// <summary>bench through the real program: both phases measured on the default data and a fresh model, reported as one JSON object.</summary>
public sealed class BenchCommandTests : IDisposable
{
    private static readonly string[] Figures =
    [
        "bare_img_steps_per_s", "pipeline_img_steps_per_s", "ratio", "peak_rss_bytes_after_bare", "peak_rss_bytes_after_pipeline",
        "parquet_write_mb_per_s", "device_busy_share",
    ];

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [FashionMnistFact]
    public void Bench_json_reports_every_figure_positive_with_ratio_pipeline_over_bare_and_leaves_no_temp_files()
    {
        var result = CliProcess.Run(_dir.Path, "bench", "--json", "--limit", "64", "--batch-size", "32", "--steps", "2");

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        var root = json.RootElement;
        foreach (var name in Figures)
            Assert.True(root.GetProperty(name).GetDouble() > 0, $"{name} = {root.GetProperty(name)}");
        var bare = root.GetProperty("bare_img_steps_per_s").GetDouble();
        var pipeline = root.GetProperty("pipeline_img_steps_per_s").GetDouble();
        var ratio = root.GetProperty("ratio").GetDouble();
        // The rates are printed to 0.1 and the ratio to 1e-4: allow exactly that much rounding.
        var tolerance = (pipeline / bare) * (0.05 / pipeline + 0.05 / bare) + 0.00005 + 1e-9;
        Assert.True(Math.Abs(ratio - pipeline / bare) <= tolerance, $"ratio {ratio} vs {pipeline} / {bare}");
        Assert.InRange(root.GetProperty("device_busy_share").GetDouble(), 0, 1);
        Assert.Equal("cpu", root.GetProperty("device").GetString());
        // Same model, batches and seeds on one torch thread: the two phases did the same work.
        Assert.Equal(root.GetProperty("bare_attack_success").GetDouble(), root.GetProperty("pipeline_attack_success").GetDouble());

        var settings = root.GetProperty("settings");
        Assert.Equal(64, settings.GetProperty("images").GetInt64());
        Assert.Equal(32, settings.GetProperty("batch_size").GetInt32());
        Assert.Equal(2, settings.GetProperty("steps").GetInt32());
        Assert.Equal("det", settings.GetProperty("construction").GetString());
        Assert.Equal("fashion-mnist:train", settings.GetProperty("data").GetString());

        // The job directories it announced on stderr live in its temporary directory, which is gone.
        var temps = Regex.Matches(result.Stderr, @"(/\S*/sp-bench-[0-9a-f]{12})/").Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.NotEmpty(temps);
        Assert.All(temps, dir => Assert.False(Directory.Exists(dir), $"{dir} was left behind"));
    }

    [Fact]
    public void Bench_with_zero_repeats_is_one_line_and_exit_2()
    {
        var result = CliProcess.Run(_dir.Path, "bench", "--repeat", "0");

        Assert.Equal(2, result.ExitCode);
        var errors = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        Assert.Single(errors);
        Assert.Contains("--repeat", errors[0]);
        Assert.Equal("", result.Stdout.Trim());
    }
}
