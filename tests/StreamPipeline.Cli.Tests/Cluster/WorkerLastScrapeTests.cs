using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using StreamPipeline.Cli.Tests.Build;
using StreamPipeline.Cli.Tests.Observability;

namespace StreamPipeline.Cli.Tests.Cluster;

/// <summary>
/// A worker with a Prometheus endpoint outlives its job until it has been scraped once more: a short-lived worker
/// otherwise exits before Prometheus (which finds new targets every few seconds) ever scrapes it, and the dashboard's
/// per-node panels never show it. Real coordinator and worker processes on 127.0.0.1, scraped over HTTP.
/// </summary>
[Collection(BuildTestCollection.Name)]
public sealed partial class WorkerLastScrapeTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(4);

    [GeneratedRegex(@"serving job \w+ \(\d+ shards\) from \S+ as (?<node>\S+)")]
    private static partial Regex ServingAs();

    [Fact]
    public void A_worker_that_finished_its_job_waits_for_one_more_scrape_which_sees_its_device_time_then_exits_0()
    {
        var job = fixture.NewJobDirectory("last-scrape");
        var port = FreePort.Next();
        var metricsPort = FreePort.Next();
        var settings = fixture.Settings("last-scrape");
        using var coordinator = RunningCli.Start(fixture.Root,
            "build", job, "--construction", "det", "--model", fixture.Model, "--data", "fashion-mnist:train", "--limit", "32",
            "--shard-size", "16", "--batch-size", "16", "--steps", "2", "--metrics", "none", "--threads", "1",
            "--serve", "--port", port.ToString(CultureInfo.InvariantCulture), "--cluster-conf", settings);
        Assert.True(coordinator.WaitUntil(() => coordinator.Stderr.Contains("coordinator listening on", StringComparison.Ordinal), Patience), coordinator.Stderr);
        using var worker = RunningCli.Start(fixture.Root, "worker", "--join", $"127.0.0.1:{port}", "--devices", "cpu", "--threads", "1",
            "--cluster-conf", settings, "--metrics", $"prometheus:{metricsPort}");

        // Nobody scrapes while the job runs: the worker must still be there, serving, once it says the job is done.
        Assert.True(worker.WaitUntil(() => worker.Stderr.Contains("job finished", StringComparison.Ordinal), Patience), worker.Stderr);
        Assert.True(coordinator.WaitForExit(Patience).ExitCode == 0, coordinator.Stderr);
        Assert.False(worker.HasExited, "the worker exited before anyone scraped its final figures: " + worker.Stderr);
        var node = ServingAs().Match(worker.Stderr).Groups["node"].Value;
        Assert.False(string.IsNullOrEmpty(node), worker.Stderr);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{metricsPort}/metrics");
        request.Headers.TryAddWithoutValidation("Accept", MetricsExposition.PrometheusAccept);
        using var response = http.Send(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var scrape = MetricsExposition.Parse(new StreamReader(response.Content.ReadAsStream()).ReadToEnd());
        var series = scrape.Named("stream_pipeline_device_busy_time_seconds_total").ToList();
        var busy = series.SingleOrDefault(s => s.Labels.GetValueOrDefault("node") == node);
        Assert.True(busy is not null, $"no device busy time of node {node}: " +
            string.Join("; ", series.Select(s => string.Join(",", s.Labels.Select(l => $"{l.Key}={l.Value}")))));
        Assert.True(busy.Value > 0, $"the worker's device busy time is {busy.Value}");

        // That scrape was the one it waited for: it exits soon after, successfully (its own limit would be 30 s).
        var exited = worker.WaitForExit(TimeSpan.FromSeconds(20));
        Assert.True(exited.ExitCode == 0, exited.Stderr);
    }
}
