namespace StreamPipeline.Cli.Observability;

/// <summary>Where <c>--metrics</c> sends the pipeline's OpenTelemetry metrics.</summary>
public enum MetricsKind
{
    None,
    Console,
    Otlp,
    Prometheus,
}
