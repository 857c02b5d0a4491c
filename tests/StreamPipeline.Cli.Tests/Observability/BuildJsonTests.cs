using System.Text.Json;
using StreamPipeline.Cli.Tests.Build;

namespace StreamPipeline.Cli.Tests.Observability;

/// <summary><c>build --json</c> prints one JSON object on stdout and nothing else, whatever --metrics is.</summary>
[Collection(BuildTestCollection.Name)]
public sealed class BuildJsonTests(TinyModelFixture fixture)
{
    private static readonly string[] Keys =
    [
        "job_dir", "complete", "rows_total", "rows_written", "bytes_written", "shards_total", "shards_committed", "shards_skipped",
        "seconds", "images_per_second", "attack_success", "retries", "splits", "damaged_shards_rebuilt",
    ];

    /// <summary>The build with --json and --metrics <paramref name="metrics"/>, OTLP pointed at a port nothing listens on.</summary>
    private CliProcess.Result Build(string jobDir, DetBuild build)
    {
        var info = CliProcess.StartInfo(fixture.Root, [.. build.Command(jobDir), "--json", "--metrics-interval", "0.2"]);
        info.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{FreePort.Next()}";
        return CliProcess.Run(info, TimeSpan.FromMinutes(3));
    }

    [Theory]
    [InlineData("none")]
    [InlineData("console")]
    [InlineData("console:FILE")]
    [InlineData("otlp")]
    [InlineData("prometheus:PORT")]
    public void Build_json_is_one_object_on_stdout_whatever_the_metrics(string metrics)
    {
        var jobDir = fixture.NewJobDirectory("json");
        var file = jobDir + "-metrics.txt";
        metrics = metrics.Replace("FILE", file, StringComparison.Ordinal).Replace("PORT", FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var build = DetBuild.Of(fixture) with { Metrics = metrics };

        var result = Build(jobDir, build);

        Assert.True(result.ExitCode == 0, result.Stderr);
        var stdout = result.Stdout.TrimEnd('\n');
        Assert.DoesNotContain('\n', stdout);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal(JsonValueKind.Object, root.ValueKind);
        Assert.Equal(Keys.Order(), root.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(Path.GetFullPath(jobDir), root.GetProperty("job_dir").GetString());
        Assert.True(root.GetProperty("complete").GetBoolean());
        Assert.Equal(build.Limit, root.GetProperty("rows_total").GetInt64());
        Assert.Equal(build.Limit, root.GetProperty("rows_written").GetInt64());
        Assert.Equal(JobManifest.Read(jobDir).Shards.Count, root.GetProperty("shards_total").GetInt32());
        Assert.Equal(root.GetProperty("shards_total").GetInt32(), root.GetProperty("shards_committed").GetInt32());
        Assert.Equal(0, root.GetProperty("shards_skipped").GetInt32());
        Assert.Equal(
            Directory.GetFiles(Path.Combine(jobDir, "data"), "*.parquet").Sum(f => new FileInfo(f).Length),
            root.GetProperty("bytes_written").GetInt64());
        Assert.True(root.GetProperty("seconds").GetDouble() > 0);
        Assert.True(root.GetProperty("images_per_second").GetDouble() > 0);
        Assert.InRange(root.GetProperty("attack_success").GetDouble(), 0, 1);

        // The exporter ran, where it should: OpenTelemetry's console exporter on stderr or in the file, never on stdout.
        Assert.False(ConsoleMetricsText.HasExport(result.Stdout));
        if (metrics == "console")
        {
            Assert.Contains("Metric Name: stream_pipeline.rows.written, ", result.Stderr);
            Assert.Equal(build.Limit, ConsoleMetricsText.Total(result.Stderr, "stream_pipeline.rows.written"));
        }
        if (metrics.StartsWith("console:", StringComparison.Ordinal))
        {
            Assert.Equal(build.Limit, ConsoleMetricsText.Total(File.ReadAllText(file), "stream_pipeline.rows.written"));
            Assert.False(ConsoleMetricsText.HasExport(result.Stderr));
        }
    }

    [Fact]
    public void Build_metrics_console_without_json_exports_on_stderr_and_leaves_stdout_empty()
    {
        var jobDir = fixture.NewJobDirectory("console");
        var build = DetBuild.Of(fixture) with { Metrics = "console" };

        var result = CliProcess.Run(fixture.Root, [.. build.Command(jobDir), "--metrics-interval", "0.2"]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("", result.Stdout);
        Assert.Contains("Metric Name: stream_pipeline.rows.written, ", result.Stderr);
        Assert.Equal(build.Limit, ConsoleMetricsText.Total(result.Stderr, "stream_pipeline.rows.written"));
    }

    [Fact]
    public void Build_json_of_a_complete_job_run_again_has_nothing_written_and_no_attack_success()
    {
        var jobDir = fixture.NewJobDirectory("json-again");
        Assert.Equal(0, Build(jobDir, DetBuild.Of(fixture)).ExitCode);

        var again = Build(jobDir, DetBuild.Of(fixture));

        Assert.True(again.ExitCode == 0, again.Stderr);
        using var json = JsonDocument.Parse(again.Stdout);
        Assert.True(json.RootElement.GetProperty("complete").GetBoolean());
        Assert.Equal(0, json.RootElement.GetProperty("rows_written").GetInt64());
        Assert.Equal(json.RootElement.GetProperty("shards_total").GetInt32(), json.RootElement.GetProperty("shards_skipped").GetInt32());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("attack_success").ValueKind);
    }

    [Fact]
    public void Otlp_to_a_closed_port_warns_once_on_stderr_and_the_build_succeeds()
    {
        var jobDir = fixture.NewJobDirectory("otlp-closed");

        // An export every 0.2 s over a build of a few seconds (60 PGD steps): many failed exports, one warning.
        var result = Build(jobDir, DetBuild.Of(fixture) with { Metrics = "otlp", Steps = 60 });

        Assert.True(result.ExitCode == 0, result.Stderr);
        var warning = Assert.Single(result.Stderr.Split('\n'), l => l.Contains("OTLP", StringComparison.Ordinal));
        Assert.StartsWith("warning: OTLP metrics export to http://127.0.0.1:", warning);
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.True(json.RootElement.GetProperty("complete").GetBoolean());
        JobManifest.Read(jobDir).AssertConsistentWith(jobDir);
    }
}
