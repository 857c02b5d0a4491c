using System.Diagnostics.Tracing;

namespace StreamPipeline.Cli.Observability;

/// <summary>
/// Says once, on stderr, that OTLP export failed. The OTLP exporter never throws to its caller: it reports a failed
/// export only on its EventSource, so without this a collector that is down (or a wrong endpoint) goes unnoticed.
/// The job itself is not affected.
/// </summary>
public sealed class OtlpFailureWarning : EventListener
{
    private const string SourceName = "OpenTelemetry-Exporter-OpenTelemetryProtocol";

    // The exporter's events that mean "the data did not arrive" (retries included); other warnings (an unsupported
    // attribute type, a configuration value) are not about reaching the endpoint.
    private static readonly HashSet<string> ExportFailures = new(StringComparer.Ordinal)
    {
        "FailedToReachCollector", "ExportMethodException", "TrySubmitRequestException", "TransientHttpError",
        "HttpRequestFailed", "OperationUnexpectedlyCanceled", "RequestTimedOut", "ExportFailure",
    };

    private readonly TextWriter _output;
    private string _endpoint = "";
    private int _warned;

    public OtlpFailureWarning(TextWriter output) => _output = output;

    /// <summary>The endpoint the warning names (set once the exporter's options are resolved).</summary>
    public string Endpoint
    {
        get => Volatile.Read(ref _endpoint);
        set => Volatile.Write(ref _endpoint, value);
    }

    /// <summary>True once the warning was written.</summary>
    public bool Warned => Volatile.Read(ref _warned) != 0;

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        // Runs from the base constructor too, before this class's fields are set: touch no field here.
        if (eventSource.Name == SourceName)
            EnableEvents(eventSource, EventLevel.Warning);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName is null || !ExportFailures.Contains(e.EventName) || Interlocked.Exchange(ref _warned, 1) != 0)
            return;
        _output.WriteLine($"warning: OTLP metrics export to {Endpoint} failed (is the collector running?); the job goes on " +
                          "without it (said once)");
    }
}
