namespace StreamPipeline.Pipeline.Specs;

/// <summary>
/// Command-line values that override the spec file (or a caller's changes to a spec, <see cref="JobSpecLoader.Change"/>);
/// null means "not given".
/// </summary>
public sealed record JobSpecOverrides
{
    public ConstructionKind? Construction { get; init; }
    public string? Model { get; init; }
    public string? Data { get; init; }
    /// <summary>A positive count; use <see cref="AllExamples"/> to override a file's limit with "all".</summary>
    public long? Limit { get; init; }
    public bool AllExamples { get; init; }
    public int? BatchSize { get; init; }
    public int? ShardSize { get; init; }
    public IReadOnlyList<string>? Devices { get; init; }
    public ThreatModel? Norm { get; init; }
    public double? Eps { get; init; }
    public double? StepSize { get; init; }
    public int? Steps { get; init; }
    public bool? RandomStart { get; init; }
    public long? Seed { get; init; }
    public StartMode? StartMode { get; init; }
    public int? MaxRetries { get; init; }
    public int? MaxBatchesAhead { get; init; }
    public FaultInjection? Faults { get; init; }

    public static JobSpecOverrides None { get; } = new();
}
