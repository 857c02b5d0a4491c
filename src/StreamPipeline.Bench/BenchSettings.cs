using StreamPipeline.Models;
using StreamPipeline.Pipeline.Specs;

namespace StreamPipeline.Bench;

/// <summary>What <c>stream-pipeline bench</c> measures: the model, data, batch and attack every phase shares, the rounds, and the optional phases.</summary>
/// <param name="Model">A checkpoint, or an architecture name (a freshly initialised model of it); null means a fresh small-cnn.</param>
/// <param name="Data">Source dataset reference; null picks one for the model's input (see <see cref="BenchModel"/>).</param>
/// <param name="Limit">Images attacked per phase; null takes the model's default (<see cref="DefaultsFor"/>).</param>
/// <param name="ShardSize">Examples per shard file of the pipeline and cluster phases; null means the job default (config/jobs/defaults.conf).</param>
/// <param name="Devices">Device list as for build (<c>auto</c>, <c>cpu</c>, <c>cuda:0,cuda:1</c>); one bare-loop thread per entry.</param>
/// <param name="Repeat">Rounds; each runs every phase once, odd rounds in the order bare, pipeline, cluster, peer and even rounds reversed.</param>
/// <param name="Workers">With a value: a cluster phase with this many workers (coordinator and workers on 127.0.0.1, in this process).</param>
/// <param name="Peer">Also run the PyTorch peer (scripts/pytorch_pgd_bench.py with /usr/bin/python3) in each round, twice: as Debian installs it and at its best (<see cref="PyTorchPeer"/>).</param>
/// <param name="Eps">L2 radius; null takes the data's preset (config/presets/), as build does.</param>
/// <param name="StepSize">PGD step size; null takes the data's preset.</param>
/// <param name="Mode">Paired (both phases at once, one pinned CPU each), sequential, or auto (paired where it applies).</param>
/// <param name="Transforms">How the bare loop's and the pipeline's device threads prepare the model; null means all (what build does).</param>
/// <param name="TrainImages">With <see cref="Peer"/>: images of the training comparison's epoch (<see cref="TrainingBench"/>); null takes the model's default, 0 skips it.</param>
public sealed record BenchSettings(
    string? Model,
    string? Data,
    string? DataRoot,
    long? Limit,
    int? BatchSize,
    int? ShardSize,
    int? Steps,
    double? Eps,
    double? StepSize,
    IReadOnlyList<string> Devices,
    int Repeat,
    int? Workers = null,
    bool Peer = false,
    BenchMode Mode = BenchMode.Auto,
    InferenceTransforms? Transforms = null,
    long? TrainImages = null)
{
    /// <summary>The transforms every phase applies.</summary>
    public InferenceTransforms ModelTransforms => Transforms ?? InferenceTransforms.All;

    /// <summary>
    /// Five rounds: single paired rounds on a 2-vCPU VM lie up to about 6% either side of the rest (measured: README
    /// "Benchmark"), so the median needs more than three. The defaults take about 4 minutes on a 2-core CPU.
    /// </summary>
    public const int DefaultRepeat = 5;

    /// <summary>
    /// Examples in the paired mode's filler batch (one-step PGD, a few milliseconds, run whenever a side's own window is
    /// closed). The warm-up each device thread runs before its window opens is one full batch: the native heap reaches
    /// its steady size there, so the window times steady-state steps.
    /// </summary>
    public const int FillerExamples = 16;

    /// <summary>
    /// Images, batch and steps when not given: small models 2,048 images in batches of 256 with 20 steps (a phase takes
    /// about 20 s on 2 cores); the ResNets one batch of 64 with 2 steps (ResNet-50 at 32×32 does a few image-steps per
    /// second on 2 cores, so a phase still takes about 40 s). The cost per image-step is what is compared.
    /// </summary>
    public static (long Limit, int BatchSize, int Steps) DefaultsFor(string architecture) =>
        IsResNet(architecture) ? (64, 64, 2) : (2048, 256, 20);

    /// <summary>One of the ResNet layouts (their defaults differ from the small models').</summary>
    public static bool IsResNet(string architecture) => ResNet.Layouts.ContainsKey(architecture);

    /// <summary>Images of the training comparison: none without --peer, else <see cref="TrainImages"/> or the model's default.</summary>
    public long TrainingImagesFor(string architecture) => Peer ? TrainImages ?? TrainingBench.DefaultImages(architecture) : 0;

    /// <summary>Checks the values the job spec does not check; throws <see cref="ArgumentException"/> naming the flag.</summary>
    public BenchSettings Validated()
    {
        if (Limit < 1) throw new ArgumentException($"--limit must be at least 1, got {Limit}");
        if (BatchSize < 1) throw new ArgumentException($"--batch-size must be at least 1, got {BatchSize}");
        if (Steps < 1) throw new ArgumentException($"--steps must be at least 1, got {Steps}");
        if (Repeat is < 1 or > 100) throw new ArgumentException($"--repeat must be between 1 and 100, got {Repeat}");
        if (Workers is < 1 or > 64) throw new ArgumentException($"--workers must be between 1 and 64, got {Workers}");
        if (Devices.Count == 0) throw new ArgumentException("--devices must name at least one device");
        if (TrainImages < 0) throw new ArgumentException($"--train-images must be 0 (no training comparison) or more, got {TrainImages}");
        if (TrainImages > 0 && !Peer) throw new ArgumentException("--train-images times training beside PyTorch: it needs --peer");
        return this;
    }

    /// <summary>
    /// The D_det job every phase runs: built by the same loader (and validation) as <c>build</c>'s flags, with the
    /// resolved model, data, devices and sizes.
    /// </summary>
    public JobSpec ToJobSpec(string modelPath, string data, IReadOnlyList<string> resolvedDevices, long limit, int batchSize, int steps) =>
        JobSpecLoader.Load(null, JobSpecLoader.WithPreset(new JobSpecOverrides
        {
            Construction = ConstructionKind.Det,
            Model = modelPath,
            Data = data,
            Limit = limit,
            BatchSize = batchSize,
            ShardSize = ShardSize,
            Devices = resolvedDevices,
            Norm = ThreatModel.L2,
            Eps = Eps,
            StepSize = StepSize,
            Steps = steps,
            Seed = 0,
        }));
}
