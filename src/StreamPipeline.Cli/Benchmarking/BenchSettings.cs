using StreamPipeline.Pipeline.Specs;

namespace StreamPipeline.Cli.Benchmarking;

/// <summary>What <c>stream-pipeline bench</c> measures: the model, data, batch and attack both phases share, and how often to repeat them.</summary>
/// <param name="Model">Checkpoint to attack; null means a freshly initialised small-cnn saved to a temporary checkpoint.</param>
/// <param name="ShardSize">Examples per shard file of the pipeline phase; null means the job default (config/jobs/defaults.conf).</param>
/// <param name="Devices">Device list as for build (<c>auto</c>, <c>cpu</c>, <c>cuda:0,cuda:1</c>); one bare-loop thread per entry.</param>
/// <param name="Repeat">Rounds of (bare, pipeline); the best of each is reported.</param>
/// <param name="Eps">L2 radius; null takes the data's preset (config/presets/), as build does.</param>
/// <param name="StepSize">PGD step size; null takes the data's preset.</param>
public sealed record BenchSettings(
    string? Model,
    string Data,
    string? DataRoot,
    long Limit,
    int BatchSize,
    int? ShardSize,
    int Steps,
    double? Eps,
    double? StepSize,
    IReadOnlyList<string> Devices,
    int Repeat)
{
    /// <summary>Sized for a 2-core CPU, so that one round takes about a minute.</summary>
    public static BenchSettings Default { get; } = new(
        Model: null, Data: "fashion-mnist:train", DataRoot: null, Limit: 2048, BatchSize: 256, ShardSize: null, Steps: 20,
        Eps: null, StepSize: null, Devices: ["auto"], Repeat: 1);

    /// <summary>Examples in the warm-up batch of each phase (fewer when the data or batch is smaller).</summary>
    public const int WarmupExamples = 16;

    /// <summary>Checks the values the job spec does not check; throws <see cref="UsageException"/> naming the flag.</summary>
    public BenchSettings Validated()
    {
        if (Limit < 1) throw new UsageException($"--limit must be at least 1, got {Limit}");
        if (BatchSize < 1) throw new UsageException($"--batch-size must be at least 1, got {BatchSize}");
        if (Steps < 1) throw new UsageException($"--steps must be at least 1, got {Steps}");
        if (Repeat is < 1 or > 100) throw new UsageException($"--repeat must be between 1 and 100, got {Repeat}");
        if (Devices.Count == 0) throw new UsageException("--devices must name at least one device");
        return this;
    }

    /// <summary>
    /// The D_det job both phases run: built by the same loader (and validation) as <c>build</c>'s flags, with the
    /// resolved devices and this checkpoint.
    /// </summary>
    public JobSpec ToJobSpec(string modelPath, IReadOnlyList<string> resolvedDevices, long? limit = null) => JobSpecLoader.Load(null, JobSpecLoader.WithPreset(new JobSpecOverrides
    {
        Construction = ConstructionKind.Det,
        Model = modelPath,
        Data = Data,
        Limit = limit ?? Limit,
        BatchSize = BatchSize,
        ShardSize = ShardSize,
        Devices = resolvedDevices,
        Norm = ThreatModel.L2,
        Eps = Eps,
        StepSize = StepSize,
        Steps = Steps,
        Seed = 0,
    }));
}
