using System.CommandLine;
using System.Diagnostics;
using System.Net;
using OpenTelemetry.Exporter;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using StreamPipeline.Cli.Observability;
using StreamPipeline.Pipeline.Telemetry;

namespace StreamPipeline.Cli;

/// <summary>
/// Builds the OpenTelemetry MeterProvider for a command from <c>--metrics</c>: none (the default; the live view needs
/// no exporter), console (stderr or a file), OTLP, or a Prometheus scrape endpoint. Disposing it flushes, so a job's
/// last figures are always exported. The exporters take whatever instruments and tags the meter has: nothing here
/// names them.
/// </summary>
public static class Telemetry
{
    /// <summary>The resource's service.name unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES say otherwise.</summary>
    public const string ServiceName = "stream-pipeline";

    public static Option<MetricsTarget> ExporterOption() => new("--metrics")
    {
        HelpName = MetricsTarget.Syntax,
        Description =
            "Where per-stage OpenTelemetry metrics go (the live view on stderr needs none): none; console (OpenTelemetry's console " +
            "exporter, on stderr) or console:PATH (appended to a file); otlp (OTEL_EXPORTER_OTLP_ENDPOINT, default http://localhost:4317; " +
            $"service.name {ServiceName} unless OTEL_SERVICE_NAME is set); prometheus[:[HOST:]PORT] (serves /metrics while the job " +
            $"runs, default {MetricsTarget.Loopback}:{MetricsTarget.DefaultPort}; HOST {MetricsTarget.AllInterfaces} for every interface).",
        DefaultValueFactory = _ => MetricsTarget.None,
        CustomParser = result =>
        {
            try
            {
                return MetricsTarget.Parse(result.Tokens.Count == 1 ? result.Tokens[0].Value : "");
            }
            catch (FormatException e)
            {
                result.AddError(e.Message);
                return MetricsTarget.None;
            }
        },
    };

    public static Option<double> IntervalOption() => new("--metrics-interval")
    {
        Description = "Seconds between metric exports (console, otlp; Prometheus scrapes when it likes).",
        DefaultValueFactory = _ => 10,
    };

    /// <summary>The running export, or null for <c>none</c>. Dispose it at the end of the job to flush.</summary>
    /// <exception cref="UsageException">The Prometheus endpoint cannot listen (port taken, address not local).</exception>
    public static MetricsSession? Create(MetricsTarget target, double intervalSeconds)
    {
        if (!(intervalSeconds > 0)) throw new UsageException($"--metrics-interval must be positive, got {intervalSeconds}");
        if (target.Kind == MetricsKind.None)
            return null;
        var interval = (int)Math.Max(100, intervalSeconds * 1000);
        var builder = Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(r => r.Clear().AddService(ServiceName).AddTelemetrySdk().AddEnvironmentVariableDetector())
            .AddMeter(PipelineMetrics.MeterName);
        TextWriter? file = null;
        TraceListener? listener = null;
        OtlpFailureWarning? warning = null;
        switch (target.Kind)
        {
            case MetricsKind.Console:
                // OpenTelemetry's console exporter, through its Debug target: every line goes to Trace.WriteLine, and
                // one listener sends it to stderr or the file, so stdout stays the command's (--json) alone.
                file = target.Path is { } path ? OpenAppend(path) : null;
                listener = new TextWriterTraceListener(file ?? Console.Error, "stream-pipeline-metrics");
                Trace.Listeners.Remove("Default");
                Trace.Listeners.Add(listener);
                Trace.AutoFlush = true;
                builder.AddConsoleExporter((exporter, reader) =>
                {
                    exporter.Targets = ConsoleExporterOutputTargets.Debug;
                    reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = interval;
                });
                break;
            case MetricsKind.Otlp:
                warning = new OtlpFailureWarning(Console.Error);
                builder.AddOtlpExporter((exporter, reader) =>
                {
                    warning.Endpoint = exporter.Endpoint.ToString();
                    reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = interval;
                });
                break;
            case MetricsKind.Prometheus:
                builder.AddPrometheusHttpListener(options =>
                {
                    options.Host = target.Host;
                    options.Port = target.Port;
                    options.ConfigureHttpListener = (o, listener) =>
                    {
                        // HttpListener answers only requests whose Host header matches a prefix's host.
                        if (o.Host == MetricsTarget.AllInterfaces)
                        {
                            // Scrapes addressed to any of the machine's names (a container's, for one): the wildcard.
                            listener.Prefixes.Clear();
                            listener.Prefixes.Add($"http://+:{o.Port}/metrics/");
                        }
                        else if (o.Host == MetricsTarget.Loopback)
                        {
                            // Bound to 127.0.0.1, yet "curl localhost:PORT" would be a 404 without this.
                            listener.Prefixes.Add($"http://localhost:{o.Port}/metrics/");
                        }
                    };
                });
                break;
        }
        try
        {
            var provider = builder.Build();
            if (target.Kind == MetricsKind.Prometheus)
                Console.Error.WriteLine($"metrics: Prometheus scrape endpoint {target.ScrapeUrl} (while the job runs)");
            return new MetricsSession(target.Kind, provider, warning, listener, file);
        }
        catch (InvalidOperationException e) when (target.Kind == MetricsKind.Prometheus && e.InnerException is HttpListenerException listen)
        {
            warning?.Dispose();
            throw new UsageException($"--metrics prometheus: cannot listen on {target.ScrapeUrl}: {listen.Message}");
        }
    }

    private static TextWriter OpenAppend(string path)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        // The reader exports from its own thread, the final flush from the command's: one writer, synchronized.
        return TextWriter.Synchronized(new StreamWriter(full, append: true) { AutoFlush = true });
    }
}
