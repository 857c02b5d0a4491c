using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using StreamPipeline.Cli.Tests.Build;

namespace StreamPipeline.Cli.Tests.Observability;

/// <summary>
/// <c>build --metrics prometheus:PORT</c> as Prometheus sees it: a running build scraped over HTTP (OpenMetrics, as
/// Prometheus asks for it), its series held to the README's metrics table.
/// </summary>
[Collection(BuildTestCollection.Name)]
public sealed class PrometheusEndpointTests(TinyModelFixture fixture)
{
    private static readonly TimeSpan CatchAllowance = TimeSpan.FromMinutes(2);

    // Labels every series carries from the exporter, not from the pipeline's tags.
    private static readonly HashSet<string> ExporterLabels = new(StringComparer.Ordinal) { "otel_scope_name", "otel_scope_version", "le" };

    /// <summary>
    /// A build slow enough to be caught running (all 640 source images, 100 PGD steps) whose first seconds already
    /// retry a batch and split one, so that every instrument of the table has a value: every batch of 8 "runs out of
    /// memory" and is split in halves, and every 5th piece a worker receives fails once.
    /// </summary>
    private ProcessStartInfo SlowBuild(string jobDir, int port, IReadOnlyDictionary<string, string?> environment)
    {
        var spec = new FaultSpec("[\"cpu\"]", "fail-every-nth-batch = 5, oom-above-batch-size = 4", Limit: TinyModelFixture.SourceCount);
        var specFile = fixture.NewJobDirectory("scraped-spec") + ".conf";
        File.WriteAllText(specFile, spec.Hocon(fixture));
        var info = CliProcess.StartInfo(fixture.Root,
            "build", jobDir, "--spec", specFile, "--steps", "100", "--threads", "1", "--metrics", $"prometheus:{port}");
        info.Environment.Remove("OTEL_SERVICE_NAME");
        info.Environment.Remove("OTEL_RESOURCE_ATTRIBUTES");
        foreach (var (key, value) in environment)
            info.Environment[key] = value;
        return info;
    }

    private static MetricsExposition? TryScrape(HttpClient http, string url)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.TryAddWithoutValidation("Accept", MetricsExposition.PrometheusAccept);
            using var response = http.Send(request);
            if (response.StatusCode != HttpStatusCode.OK)
                return null;
            using var reader = new StreamReader(response.Content.ReadAsStream());
            return MetricsExposition.Parse(reader.ReadToEnd());
        }
        catch (HttpRequestException)
        {
            return null; // not listening yet
        }
    }

    /// <summary>The sample names a row promises: a histogram's bucket, sum and count, else the series itself.</summary>
    private static IEnumerable<string> SampleNames(ReadmeMetricsTable.Row row) =>
        row.Type == "histogram" ? [row.Series + "_bucket", row.Series + "_sum", row.Series + "_count"] : [row.Series];

    /// <summary>The family a row's series belongs to: OpenMetrics names a counter's family without its _total.</summary>
    private static string Family(ReadmeMetricsTable.Row row) => row.Type == "counter" ? row.Series[..^"_total".Length] : row.Series;

    /// <summary>The Prometheus unit of an OpenTelemetry (UCUM) unit; none for annotations such as {example}.</summary>
    private static string? PrometheusUnit(string unit) => unit switch
    {
        "s" => "seconds",
        "By" => "bytes",
        _ when unit.StartsWith('{') => null,
        _ => throw new InvalidDataException($"README unit {unit}: add its Prometheus name here"),
    };

    private RunningCli StartAndScrape(IReadOnlyDictionary<string, string?> environment, Func<MetricsExposition, bool> enough, out MetricsExposition scrape, out string jobDir)
    {
        var port = FreePort.Next();
        jobDir = fixture.NewJobDirectory("scraped");
        var running = RunningCli.Start(SlowBuild(jobDir, port, environment));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        MetricsExposition? last = null;
        var caught = running.WaitUntil(() => (last = TryScrape(http, $"http://127.0.0.1:{port}/metrics")) is { } s && enough(s), CatchAllowance);
        Assert.True(caught, $"the scrape never had what the test waits for (last scrape: {last?.Samples.Count} samples): {running.Stderr}");
        Assert.False(running.HasExited, "the build finished before the scrape was complete; give it more work");
        scrape = last!;
        return running;
    }

    [Fact]
    public void Running_build_serves_every_series_of_the_readme_table_with_its_type_unit_and_tags()
    {
        var rows = ReadmeMetricsTable.Rows;
        var expected = rows.SelectMany(SampleNames).ToList();
        using var running = StartAndScrape(new Dictionary<string, string?> { ["OTEL_RESOURCE_ATTRIBUTES"] = "deployment.environment=ci" },
            s => expected.All(name => s.Named(name).Any()), out var scrape, out var jobDir);

        foreach (var row in rows)
        {
            Assert.Contains(row.Type, new[] { "counter", "gauge", "histogram" });
            if (row.Type == "counter")
                Assert.EndsWith("_total", row.Series);
            var family = Family(row);
            Assert.True(scrape.Types.TryGetValue(family, out var type), $"no # TYPE for {family} ({row.Instrument})");
            Assert.Equal(row.Type, type);
            Assert.Equal(PrometheusUnit(row.Unit), scrape.Units.GetValueOrDefault(family));
            // The README's instrument name says the same as its series: dots to underscores, unit, then _total for counters.
            var unit = PrometheusUnit(row.Unit);
            var derived = row.Instrument.Replace('.', '_') + (unit is null || row.Instrument.EndsWith(unit, StringComparison.Ordinal) ? "" : "_" + unit);
            Assert.Equal(derived + (row.Type == "counter" ? "_total" : ""), row.Series);
            foreach (var sample in SampleNames(row).SelectMany(scrape.Named))
            {
                var undocumented = sample.Labels.Keys.Where(k => !ExporterLabels.Contains(k) && !row.Tags.Contains(k)).ToList();
                Assert.True(undocumented.Count == 0, $"{sample.Name} has tags the README does not list: {string.Join(", ", undocumented)}");
            }
        }
        var documented = rows.Select(Family).ToHashSet(StringComparer.Ordinal);
        var served = scrape.Types.Keys.Where(f => f.StartsWith("stream_pipeline_", StringComparison.Ordinal)).ToList();
        Assert.All(served, f => Assert.True(documented.Contains(f), $"{f} is served but not in the README table"));

        // The resource: service.name by default, other OTEL_RESOURCE_ATTRIBUTES passed through.
        var target = Assert.Single(scrape.Named("target_info"));
        Assert.Equal("stream-pipeline", target.Labels["service_name"]);
        Assert.Equal("ci", target.Labels["deployment_environment"]);

        running.Interrupt();
        var result = running.WaitForExit(TimeSpan.FromMinutes(1));
        Assert.Equal(ExitCodes.Interrupted, result.ExitCode);
        Assert.Contains($"metrics: Prometheus scrape endpoint http://127.0.0.1:", result.Stderr);
        JobManifest.Read(jobDir).AssertConsistentWith(jobDir);
    }

    [Fact]
    public void Otel_service_name_overrides_the_default_service_name()
    {
        using var running = StartAndScrape(new Dictionary<string, string?> { ["OTEL_SERVICE_NAME"] = "sp-under-test" },
            s => s.Named("target_info").Any(), out var scrape, out _);

        Assert.Equal("sp-under-test", Assert.Single(scrape.Named("target_info")).Labels["service_name"]);
        running.Interrupt();
        Assert.Equal(ExitCodes.Interrupted, running.WaitForExit(TimeSpan.FromMinutes(1)).ExitCode);
    }

    [Fact]
    public void Taken_port_is_one_error_line_and_exit_2_before_the_job_directory_exists()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var jobDir = fixture.NewJobDirectory("port-taken");

        var build = DetBuild.Of(fixture) with { Metrics = $"prometheus:{port}" };
        var result = CliProcess.Run(fixture.Root, build.Command(jobDir));

        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: --metrics prometheus: cannot listen on http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture), line);
        Assert.Equal("", result.Stdout);
        Assert.False(Directory.Exists(jobDir), "the job directory was created although the build could not start");
    }
}
