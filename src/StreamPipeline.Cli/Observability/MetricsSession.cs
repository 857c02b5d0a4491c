using System.Diagnostics;
using OpenTelemetry.Metrics;

namespace StreamPipeline.Cli.Observability;

/// <summary>
/// A command's running metrics export. Disposing it flushes the provider (so a job's last figures are exported), then
/// stops the OTLP failure watch (a failed last flush still warns), removes the console exporter's trace listener and
/// closes the console file.
/// </summary>
public sealed class MetricsSession(MeterProvider provider, OtlpFailureWarning? warning, TraceListener? listener, TextWriter? file) : IDisposable
{
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
