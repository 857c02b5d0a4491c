namespace StreamPipeline.Pipeline.Tests.Telemetry;

/// <summary>
/// A MeterProvider listens to every Meter named "StreamPipeline" in the process, so tests that read exported metrics
/// run alone, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "exported metrics";
}
