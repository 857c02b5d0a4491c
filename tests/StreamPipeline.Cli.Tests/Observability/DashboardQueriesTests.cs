using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using StreamPipeline.Cli.Tests.Build;
using StreamPipeline.Tests.Shared;

namespace StreamPipeline.Cli.Tests.Observability;

/// <summary>
/// The Grafana dashboard (docker/observability/grafana/dashboards/*.json) against a healthy build scraped by Debian's
/// Prometheus: every expression of every panel returns data — no injected fault needed to make a panel show
/// something — and every counter the dashboard reads exists from the first scrape that holds any of the job's series.
/// </summary>
[Collection(BuildTestCollection.Name)]
public sealed class DashboardQueriesTests(TinyModelFixture fixture) : IDisposable
{
    // Grafana's $__rate_interval is at least four scrape intervals; the test scrapes every second.
    private const string RateInterval = "10s";
    private static readonly TimeSpan Allowance = TimeSpan.FromMinutes(3);
    private readonly TempDirectory _dir = new();

    private static IEnumerable<string> DashboardExpressions()
    {
        var folder = Path.Combine(RepositoryRoot.Path, "docker", "observability", "grafana", "dashboards");
        foreach (var file in Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            using var dashboard = JsonDocument.Parse(File.ReadAllText(file));
            foreach (var panel in dashboard.RootElement.GetProperty("panels").EnumerateArray())
            {
                if (!panel.TryGetProperty("targets", out var targets))
                    continue;
                foreach (var target in targets.EnumerateArray())
                    yield return target.GetProperty("expr").GetString()!;
            }
        }
    }

    private static string Tool(string name)
    {
        var path = Path.Combine("/usr/bin", name);
        Assert.True(File.Exists(path), $"{path} not found: install Debian's prometheus package (scripts/install-packages.sh test)");
        return path;
    }

    private static (int ExitCode, string Output) Run(string tool, params string[] args)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill();
            throw new TimeoutException($"{tool} {string.Join(' ', args)} did not finish");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>Prometheus's HTTP API: the result array of an instant query, empty when Prometheus is not answering yet.</summary>
    private static JsonElement[] Query(HttpClient http, int port, string query)
    {
        try
        {
            var json = http.GetStringAsync($"http://127.0.0.1:{port}/api/v1/query?query={Uri.EscapeDataString(query)}").GetAwaiter().GetResult();
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.GetProperty("data").GetProperty("result").EnumerateArray().Select(e => e.Clone()).ToArray();
        }
        catch (HttpRequestException)
        {
            return [];
        }
    }

    [Fact]
    public void Every_dashboard_expression_returns_data_on_a_healthy_build_and_its_counters_exist_from_the_first_scrape()
    {
        var prometheus = Tool("prometheus");
        var promtool = Tool("promtool");
        var expressions = DashboardExpressions().ToArray();
        Assert.True(expressions.Length >= 10, $"only {expressions.Length} expressions found in the dashboards");

        var metricsPort = FreePort.Next();
        var prometheusPort = FreePort.Next();
        var config = _dir.File("prometheus.yml");
        File.WriteAllText(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: stream-pipeline
                static_configs:
                  - targets: ["127.0.0.1:{metricsPort}"]
            """);
        var check = Run(promtool, "check", "config", config);
        Assert.True(check.ExitCode == 0, check.Output);

        // A healthy D_det build (no faults) long enough to be scraped for a while; stopped by SIGTERM once checked.
        var jobDir = fixture.NewJobDirectory("dashboard");
        var build = DetBuild.Of(fixture) with { Limit = TinyModelFixture.SourceCount, BatchSize = 8, ShardSize = 32, Steps = 400, Metrics = $"prometheus:{metricsPort}" };
        using var running = RunningCli.Start(fixture.Root, build.Command(jobDir));
        using var server = Process.Start(new ProcessStartInfo(prometheus)
        {
            ArgumentList = { "--config.file", config, "--storage.tsdb.path", _dir.File("tsdb"), "--web.listen-address", $"127.0.0.1:{prometheusPort}" },
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        })!;
        server.OutputDataReceived += (_, _) => { };
        server.ErrorDataReceived += (_, _) => { };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            // Until a shard is committed and a few rate windows' worth of scrapes later.
            var committed = running.WaitUntil(() => Query(http, prometheusPort, "sum(stream_pipeline_rows_written_total) > 0").Length > 0, Allowance);
            Assert.True(committed, $"Prometheus saw no committed shard: {running.Stderr}");
            Thread.Sleep(TimeSpan.FromSeconds(12));
            Assert.False(running.HasExited, $"the build ended before the queries; give it more work: {running.Stderr}");

            var noData = new List<string>();
            foreach (var expression in expressions)
            {
                var query = expression.Replace("$__rate_interval", RateInterval, StringComparison.Ordinal);
                var (code, output) = Run(promtool, "query", "instant", $"http://127.0.0.1:{prometheusPort}", query);
                if (code != 0 || output.Trim().Length == 0 || output.Contains("error", StringComparison.OrdinalIgnoreCase))
                    noData.Add($"{expression} -> {(output.Trim().Length == 0 ? "(no data)" : output.Trim())}");
            }
            Assert.True(noData.Count == 0, $"{noData.Count} of {expressions.Length} dashboard expressions returned no data on a healthy build:\n{string.Join("\n", noData)}");

            // A healthy build retries and splits nothing, and says so: 0, not an absent series.
            foreach (var counter in new[] { "stream_pipeline_retries_total", "stream_pipeline_splits_total" })
            {
                var series = Query(http, prometheusPort, counter);
                Assert.True(series.Length > 0, $"{counter} has no series on a healthy build");
                Assert.All(series, s => Assert.Equal("0", s.GetProperty("value")[1].GetString()));
            }

            // Device busy share at most 1 between any two scrapes (one worker): busy time accrues as it is spent. The
            // value is read during the scrape, its timestamp is the scrape's start: a few ms of slack for that.
            var busySamples = Query(http, prometheusPort, "stream_pipeline_device_busy_time_seconds_total[10m]").Single()
                .GetProperty("values").EnumerateArray()
                .Select(v => (At: v[0].GetDouble(), Busy: double.Parse(v[1].GetString()!, CultureInfo.InvariantCulture))).ToArray();
            Assert.True(busySamples.Length >= 5, $"only {busySamples.Length} scrapes of the busy time");
            for (var i = 1; i < busySamples.Length; i++)
            {
                var (grew, window) = (busySamples[i].Busy - busySamples[i - 1].Busy, busySamples[i].At - busySamples[i - 1].At);
                Assert.True(grew <= window + 0.05, $"busy time grew {grew:F3} s between scrapes {window:F3} s apart: a share of {grew / window:F2}");
            }

            // Every counter the dashboard reads has its first sample in the first scrape that held any of the job's series.
            var counters = expressions.SelectMany(e => System.Text.RegularExpressions.Regex.Matches(e, @"stream_pipeline_\w+_total").Select(m => m.Value))
                .Distinct(StringComparer.Ordinal).ToArray();
            // The raw samples of every stream_pipeline series (a range selector returns what was scraped, with timestamps).
            var firstByName = Query(http, prometheusPort, "{__name__=~\"stream_pipeline_.+\"}[10m]")
                .GroupBy(series => series.GetProperty("metric").GetProperty("__name__").GetString()!, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Min(series => series.GetProperty("values")[0][0].GetDouble()), StringComparer.Ordinal);
            Assert.True(firstByName.Count > 0, "no stream_pipeline series at all");
            var first = firstByName.Values.Min();
            foreach (var counter in counters)
            {
                Assert.True(firstByName.TryGetValue(counter, out var appeared), $"{counter} was never scraped");
                Assert.True(appeared <= first + 1.0, $"{counter} appeared {appeared - first:F0} s after the job's first series (it should exist from the start, at 0)");
            }
        }
        finally
        {
            if (!server.HasExited)
                server.Kill();
        }

        Process.Start("kill", ["-TERM", running.Pid.ToString(CultureInfo.InvariantCulture)]).WaitForExit();
        var stopped = running.WaitForExit(TimeSpan.FromMinutes(1));
        Assert.True(stopped.ExitCode == ExitCodes.Terminated, $"exit {stopped.ExitCode}: {stopped.Stderr}");
        JobManifest.Read(jobDir).AssertConsistentWith(jobDir);
    }

    public void Dispose() => _dir.Dispose();
}
