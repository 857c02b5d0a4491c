using System.CommandLine;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using StreamPipeline.Pipeline.Telemetry;

namespace StreamPipeline.Cli;

/// <summary>
/// Builds the OpenTelemetry MeterProvider for a command: console exporter by default, OTLP on request, or none.
/// Disposing it flushes, so a job's last figures are always exported.
/// </summary>
public static class Telemetry
{
    public static Option<string> ExporterOption(string defaultValue)
    {
        var option = new Option<string>("--metrics")
        {
            Description = "Where per-stage OpenTelemetry metrics go: console (stdout), otlp (OTEL_EXPORTER_OTLP_ENDPOINT, default http://localhost:4317) or none.",
            DefaultValueFactory = _ => defaultValue,
        };
        option.AcceptOnlyFromAmong("console", "otlp", "none");
        return option;
    }

    public static Option<double> IntervalOption() => new("--metrics-interval")
    {
        Description = "Seconds between metric exports.",
        DefaultValueFactory = _ => 10,
    };

    /// <summary>The provider, or null for <c>none</c>. Dispose it at the end of the job to flush.</summary>
    public static MeterProvider? Create(string exporter, double intervalSeconds)
    {
        if (!(intervalSeconds > 0)) throw new UsageException($"--metrics-interval must be positive, got {intervalSeconds}");
        var interval = (int)Math.Max(100, intervalSeconds * 1000);
        var builder = Sdk.CreateMeterProviderBuilder().AddMeter(PipelineMetrics.MeterName);
        switch (exporter)
        {
            case "console":
                builder.AddConsoleExporter((_, reader) => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = interval);
                break;
            case "otlp":
                builder.AddOtlpExporter((_, reader) => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = interval);
                break;
            case "none":
                return null;
            default:
                throw new UsageException($"--metrics must be console, otlp or none, got {exporter}");
        }
        return builder.Build();
    }
}
