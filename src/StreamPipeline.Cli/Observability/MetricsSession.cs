using System.Diagnostics;
using OpenTelemetry.Metrics;
using StreamPipeline.Pipeline.Telemetry;

namespace StreamPipeline.Cli.Observability;

/// <summary>
/// A command's running metrics export. Disposing it flushes the provider (so a job's last figures are exported), then
/// stops the OTLP failure watch (a failed last flush still warns), removes the console exporter's trace listener and
/// closes the console file.
/// </summary>
public sealed class MetricsSession(MetricsKind kind, MeterProvider provider, OtlpFailureWarning? warning, TraceListener? listener, TextWriter? file) : IDisposable
{
    /// <summary>How long a finished job's Prometheus endpoint waits for its last scrape (Prometheus's own default interval is 1 min; dashboards scrape every 1-15 s).</summary>
    public static readonly TimeSpan LastScrapeWait = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A pull exporter sees a job's end only if a scrape comes after it: the Prometheus endpoint stays up until it has
    /// been scraped once more (at most <see cref="LastScrapeWait"/>; a stop signal ends the wait), so the job-level
    /// gauges a scraper keeps last are the job's final figures. Push exporters flush on dispose and need no wait.
    /// A command that failed before it opened a job (bad input) has no end state to show: it exits at once.
    /// </summary>
    public void AwaitLastScrape(PipelineMetrics metrics, CancellationToken ct) => AwaitLastScrape(metrics, metrics.ObservesJob, ct);

    /// <summary>
    /// As above, for a process whose figures are not a job's gauges (a worker: its device busy time and attack counts):
    /// <paramref name="hasFigures"/> says whether it did anything a scraper should see, and without that it exits at once.
    /// A short-lived worker otherwise ends before Prometheus (which finds new targets every few seconds) scrapes it once,
    /// and the dashboard's per-node panels never show it.
    /// </summary>
    public void AwaitLastScrape(PipelineMetrics metrics, bool hasFigures, CancellationToken ct)
    {
        if (kind != MetricsKind.Prometheus || ct.IsCancellationRequested || !hasFigures)
            return;
        var scraped = metrics.WaitForCollection(TimeSpan.FromSeconds(1), ct);
        if (!scraped)
        {
            Console.Error.WriteLine($"metrics: waiting up to {LastScrapeWait.TotalSeconds:0} s for a last scrape of the finished job (Ctrl-C skips)");
            scraped = metrics.WaitForCollection(LastScrapeWait, ct);
        }
        // The exporter reads the instruments first and answers after: disposing at once cancels that answer, and the
        // scraper gets 503 instead of the final figures (seen on a worker scraped right after its job ended).
        if (scraped)
            ct.WaitHandle.WaitOne(ResponseGrace);
    }

    /// <summary>How long the endpoint stays up after the last scrape read the instruments, for its answer to be sent.</summary>
    private static readonly TimeSpan ResponseGrace = TimeSpan.FromSeconds(1);

    public void Dispose()
    {
        provider.Dispose();
        warning?.Dispose();
        if (listener is not null)
        {
            listener.Flush();
            Trace.Listeners.Remove(listener);
        }
        file?.Dispose();
    }
}
