using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using StreamPipeline.Cli.Tests.Build;
using StreamPipeline.Tests.Shared;

namespace StreamPipeline.Cli.Tests.Observability;

/// <summary>
/// The job-level gauges as Debian's Prometheus keeps them across a kill and a resume, and the batch-job alert the
/// README gives: it fires for a job killed before it was done, and not for the same job once resumed to completion.
/// </summary>
[Collection(BuildTestCollection.Name)]
public sealed class JobGaugesPrometheusTests(TinyModelFixture fixture) : IDisposable
{
    private const string StoppedUnfinished =
        "(last_over_time(stream_pipeline_job_rows_committed[1h]) < last_over_time(stream_pipeline_job_rows_total[1h])) unless on (instance) (up == 1)";
    private readonly TempDirectory _dir = new();

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

    private static bool Ready(HttpClient http, int port)
    {
        try
        {
            using var response = http.GetAsync($"http://127.0.0.1:{port}/-/ready").GetAwaiter().GetResult();
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static double? Value(JsonElement[] result) =>
        result is [var only] ? double.Parse(only.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture) : null;

    private static bool Eventually(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (condition())
                return true;
            Thread.Sleep(200);
        }
        return condition();
    }

    [Fact]
    public void After_a_kill_and_a_resume_the_job_gauges_equal_the_manifest_and_the_unfinished_job_alert_clears()
    {
        var prometheus = Path.Combine("/usr/bin", "prometheus");
        Assert.True(File.Exists(prometheus), $"{prometheus} not found: install Debian's prometheus package (scripts/install-packages.sh test)");
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
        using var server = Process.Start(new ProcessStartInfo(prometheus)
        {
            ArgumentList = { "--config.file", config, "--storage.tsdb.path", _dir.File("tsdb"), "--web.listen-address", $"127.0.0.1:{prometheusPort}" },
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        })!;
        server.OutputDataReceived += (_, _) => { };
        server.ErrorDataReceived += (_, _) => { };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var jobDir = fixture.NewJobDirectory("gauges");
        // Long enough that Prometheus (scraping every second) sees a commit well before the end, however fast the machine:
        // the kill comes at the first one seen, so only the resume runs the rest.
        var build = DetBuild.Of(fixture) with { Limit = 320, BatchSize = 8, ShardSize = 32, Steps = 400, Metrics = $"prometheus:{metricsPort}" };
        try
        {
            // Prometheus answers queries before the build starts, so its first scrapes are not lost to its own start-up.
            Assert.True(Eventually(() => Ready(http, prometheusPort), TimeSpan.FromMinutes(1)), "Prometheus did not become ready within 1 min");
            // 1. Killed (SIGKILL) once Prometheus has seen a committed shard: the job is unfinished and its endpoint gone.
            using (var running = RunningCli.Start(fixture.Root, build.Command(jobDir)))
            {
                var seen = running.WaitUntil(() => Value(Query(http, prometheusPort, "stream_pipeline_job_rows_committed")) > 0, TimeSpan.FromMinutes(2));
                Assert.True(seen, $"Prometheus saw no committed row (build exited: {(running.HasExited ? running.WaitForExit(TimeSpan.Zero).ExitCode.ToString(CultureInfo.InvariantCulture) : "no")}): {running.Stderr}");
                Assert.False(running.HasExited, "the build finished before it could be killed");
                running.Kill();
                running.WaitForExit(TimeSpan.FromSeconds(30));
            }
            var killedAt = JobManifest.Read(jobDir).Done.Count();
            Assert.InRange(killedAt, 1, 9);
            Assert.True(Eventually(() => Query(http, prometheusPort, StoppedUnfinished).Length == 1, TimeSpan.FromSeconds(20)),
                "the alert for a job stopped unfinished did not fire after the kill");

            // 2. Resumed to the end: the process commits only the rest, the job gauges say the whole job is done.
            var resumed = CliProcess.Run(fixture.Root, build.Command(jobDir));
            Assert.True(resumed.ExitCode == 0, resumed.Stderr);
            var manifest = JobManifest.Read(jobDir);
            Assert.Equal(manifest.Shards.Count, manifest.Done.Count());
            var rows = manifest.Done.Sum(s => s.Rows);
            Assert.Equal(build.Limit, rows);

            Assert.Equal(rows, Value(Query(http, prometheusPort, "last_over_time(stream_pipeline_job_rows_committed[1h])")));
            Assert.Equal(manifest.Shards.Count, Value(Query(http, prometheusPort, "last_over_time(stream_pipeline_job_shards_committed[1h])")));
            // This run's own counter holds only what it wrote, which is why the job gauges exist.
            Assert.True(Value(Query(http, prometheusPort, "last_over_time(stream_pipeline_rows_written_total[1h])")) < rows);
            Assert.True(Eventually(() => Query(http, prometheusPort, StoppedUnfinished).Length == 0, TimeSpan.FromSeconds(20)),
                "the alert still fires for the job resumed to completion");
        }
        finally
        {
            if (!server.HasExited)
                server.Kill();
        }
    }

    public void Dispose() => _dir.Dispose();
}
