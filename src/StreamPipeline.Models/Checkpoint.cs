using System.Text.Json;
using System.Text.Json.Serialization;
using StreamPipeline.Data;
using StreamPipeline.Data.Constructions;
using StreamPipeline.Data.Files;
using TorchSharp;
using static TorchSharp.torch;

namespace StreamPipeline.Models;

/// <summary>
/// Saves and loads model checkpoints: TorchSharp weights at <c>path</c> plus a JSON sidecar at <c>path + ".json"</c>
/// (<see cref="CheckpointInfo"/>) that names the architecture and pins the weights by SHA-256.
/// </summary>
public static class Checkpoint
{
    /// <summary>Sidecar format tag; bumped when the sidecar's meaning changes.</summary>
    public const string Format = "stream-pipeline-checkpoint/1";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        // Metrics may legitimately be NaN (e.g. robust accuracy of an empty evaluation).
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The sidecar path of the checkpoint whose weights are at <paramref name="path"/>.</summary>
    public static string SidecarPath(string path) => path + ".json";

    /// <summary>
    /// Writes the weights to <paramref name="path"/> and the sidecar next to it (each via a temporary file and a rename,
    /// so a crash never leaves a half-written checkpoint under the final name). <paramref name="info"/> must describe
    /// <paramref name="model"/> (see <see cref="CheckpointInfo.Describe"/>); returns it as written, with the weights'
    /// SHA-256 and (if unset) the creation time filled in.
    /// </summary>
    public static CheckpointInfo Save(ClassifierModel model, string path, CheckpointInfo info)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(info);
        CheckDescribes(info, model);
        // A model rewritten for inference holds folded weights and extra biases: not the architecture's state_dict.
        if (model.Transforms.Any)
            throw new InvalidOperationException($"{path}: not written: the model was prepared for inference ({model.Transforms}); save it as trained");
        // Never write what Load would refuse.
        if (NonFinite.InWeights(model) is { } nonFinite)
            throw new InvalidOperationException($"{path}: not written: {nonFinite}");

        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);

        // TorchSharp writes the weights itself; AtomicFile commits them (fsync, rename, directory fsync).
        var weightsTemp = AtomicFile.TempPath(full);
        CheckpointInfo written;
        try
        {
            model.save(weightsTemp);
            written = info with
            {
                WeightsSha256 = FileChecksum.Sha256Of(weightsTemp),
                CreatedUtc = info.CreatedUtc == default ? DateTime.UtcNow : info.CreatedUtc,
            };
            AtomicFile.Commit(weightsTemp, full);
        }
        catch
        {
            AtomicFile.TryDelete(weightsTemp);
            throw;
        }
        AtomicFile.WriteAllText(SidecarPath(full), JsonSerializer.Serialize(SidecarJson.From(written), JsonOptions));
        return written;
    }

    /// <summary>
    /// Rebuilds the model described by the sidecar of <paramref name="path"/>, checks the weights against the sidecar's
    /// SHA-256, loads them and moves the model to <paramref name="device"/> in eval mode: <see cref="VerifiedCheckpoint.Read"/>
    /// then <see cref="VerifiedCheckpoint.Load"/>, for a caller that needs one model. A build, which needs one per device,
    /// keeps the <see cref="VerifiedCheckpoint"/> instead and reads the file once.
    /// Missing files → <see cref="FileNotFoundException"/>; a bad sidecar or mismatching weights → <see cref="InvalidDataException"/>.
    /// </summary>
    public static (ClassifierModel Model, CheckpointInfo Info) Load(string path, Device device)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(device);
        var checkpoint = VerifiedCheckpoint.Read(path);
        return (checkpoint.Load(device), checkpoint.Info);
    }

    /// <summary>
    /// Refuses a model whose weights hold NaN or infinity, or whose output on a plain image does (finite weights too
    /// large for float32): every use of it would be silent garbage. Checked at every load and import, on the CPU.
    /// </summary>
    /// <exception cref="InvalidDataException">Naming <paramref name="path"/> and the first non-finite tensor or output.</exception>
    public static void RequireFinite(ClassifierModel model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (NonFinite.InWeights(model) is { } weights)
            throw new InvalidDataException($"{path}: {weights}; a model with non-finite weights gives no usable output");
        if (NonFinite.InOutput(model) is { } output)
            throw new InvalidDataException($"{path}: {output}: its weights are too large for float32 arithmetic");
    }

    /// <summary>
    /// <see cref="Load"/>, then <see cref="CheckCompatible"/> against the data the model is about to see; the model is
    /// disposed when it does not fit.
    /// </summary>
    public static (ClassifierModel Model, CheckpointInfo Info) LoadFor(string path, Device device, ImageShape shape, int classes)
    {
        var (model, info) = Load(path, device);
        try
        {
            CheckCompatible(info, shape, classes);
            return (model, info);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Reads and validates the sidecar of <paramref name="path"/> without touching the weights' contents.</summary>
    public static CheckpointInfo ReadInfo(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var sidecar = SidecarPath(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"checkpoint weights not found: {InputText.Show(path)}", path);
        if (!File.Exists(sidecar))
            throw new FileNotFoundException($"checkpoint sidecar not found: {InputText.Show(sidecar)} (a checkpoint is the weights plus this .json file)", sidecar);

        SidecarJson? json;
        try
        {
            json = JsonSerializer.Deserialize<SidecarJson>(File.ReadAllText(sidecar), JsonOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{sidecar}: not a valid checkpoint sidecar ({e.Message})", e);
        }

        if (json is null) throw new InvalidDataException($"{sidecar}: not a valid checkpoint sidecar (empty)");
        return json.ToInfo(sidecar);
    }

    /// <summary>Throws an <see cref="ArgumentException"/> saying what differs when a model described by <paramref name="info"/> cannot take this data.</summary>
    public static void CheckCompatible(CheckpointInfo info, ImageShape shape, int classes)
    {
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(shape);
        ModelCompatibility.Check(
            $"checkpoint ({info.Architecture}, trained on {info.DatasetRef})", info.InputShape, info.Classes, "the dataset", shape, classes);
    }

    private static void CheckDescribes(CheckpointInfo info, ClassifierModel model)
    {
        if (!ModelFactory.Architectures.Contains(info.Architecture))
            throw new ArgumentException($"checkpoint architecture '{InputText.Show(info.Architecture)}' is not one ModelFactory can rebuild; known: {string.Join(", ", ModelFactory.Architectures)}");
        if (info.Architecture != model.Architecture || info.InputShape != model.InputShape || info.Classes != model.Classes)
            throw new ArgumentException(
                $"checkpoint info ({info.Architecture}, {info.InputShape}, {info.Classes} classes) does not describe the model ({model.Architecture}, {model.InputShape}, {model.Classes} classes)");
        if (model is INormalizedClassifier n && (!n.Mean.SequenceEqual(info.Mean) || !n.Std.SequenceEqual(info.Std)))
            throw new ArgumentException(
                $"checkpoint info normalisation (mean [{string.Join(", ", info.Mean)}], std [{string.Join(", ", info.Std)}]) differs from the model's (mean [{string.Join(", ", n.Mean)}], std [{string.Join(", ", n.Std)}])");
    }

    /// <summary>The sidecar's on-disk shape: flat, snake_case, the input shape as [C, H, W].</summary>
    private sealed class SidecarJson
    {
        public string Format { get; init; } = "";
        public string Architecture { get; init; } = "";
        public int[] InputShape { get; init; } = [];
        public int Classes { get; init; }
        public float[] Mean { get; init; } = [];
        public float[] Std { get; init; } = [];
        public string DatasetRef { get; init; } = "";
        public TrainingJson? Training { get; init; }
        public Dictionary<string, double> Metrics { get; init; } = new();
        public string WeightsSha256 { get; init; } = "";
        public DateTime CreatedUtc { get; init; }
        // Optional: sidecars written before imports existed have no such field and read as null.
        public ImportSource? ImportedFrom { get; init; }

        public static SidecarJson From(CheckpointInfo info) => new()
        {
            Format = Checkpoint.Format,
            Architecture = info.Architecture,
            InputShape = [info.InputShape.Channels, info.InputShape.Height, info.InputShape.Width],
            Classes = info.Classes,
            Mean = info.Mean,
            Std = info.Std,
            DatasetRef = info.DatasetRef,
            Training = TrainingJson.From(info.Training),
            Metrics = new Dictionary<string, double>(info.Metrics),
            WeightsSha256 = info.WeightsSha256,
            CreatedUtc = info.CreatedUtc,
            ImportedFrom = info.ImportedFrom,
        };

        public CheckpointInfo ToInfo(string sidecar)
        {
            if (Format != Checkpoint.Format)
                throw new InvalidDataException($"{sidecar}: unsupported checkpoint format '{InputText.Show(Format)}', expected '{Checkpoint.Format}'");
            if (InputShape.Length != 3 || InputShape.Any(d => d < 1))
                throw new InvalidDataException($"{sidecar}: input_shape must be [C, H, W] with positive values, got [{string.Join(", ", InputShape)}]");
            DatasetClasses.CheckedCount(Classes, $"{sidecar}: classes");
            if (string.IsNullOrEmpty(WeightsSha256))
                throw new InvalidDataException($"{sidecar}: weights_sha256 is missing");
            return new CheckpointInfo(
                Architecture, new ImageShape(InputShape[0], InputShape[1], InputShape[2]), Classes, Mean, Std,
                DatasetRef, Training?.ToInfo(sidecar), Metrics, WeightsSha256, DateTime.SpecifyKind(CreatedUtc, DateTimeKind.Utc), ImportedFrom);
        }
    }

    /// <summary>The sidecar's training entry: flat, the attack's norm by name (l2, linf), as written since format 1.</summary>
    private sealed class TrainingJson
    {
        public int Epochs { get; init; }
        public int BatchSize { get; init; }
        public double LearningRate { get; init; }
        public int Seed { get; init; }
        public string? Adversarial { get; init; }
        public double Eps { get; init; }
        public int Steps { get; init; }
        public double StepSize { get; init; }

        public static TrainingJson? From(TrainingInfo? info) => info is null ? null : new TrainingJson
        {
            Epochs = info.Epochs,
            BatchSize = info.BatchSize,
            LearningRate = info.LearningRate,
            Seed = info.Seed,
            Adversarial = info.Adversarial is { } a ? Names.Norm.Of(a.Norm) : null,
            Eps = info.Adversarial?.Eps ?? 0,
            Steps = info.Adversarial?.Steps ?? 0,
            StepSize = info.Adversarial?.StepSize ?? 0,
        };

        public TrainingInfo ToInfo(string sidecar)
        {
            AttackSettings? adversarial = null;
            if (Adversarial is not null)
            {
                if (!Names.Norm.TryParse(Adversarial, out var norm))
                    throw new InvalidDataException($"{sidecar}: training.adversarial '{InputText.Show(Adversarial)}' is not one of {Names.Norm.Choices}");
                adversarial = new AttackSettings(norm, Eps, StepSize, Steps, RandomStart: true, KeepBest: false, Targeted: false);
            }
            return new TrainingInfo(Epochs, BatchSize, LearningRate, Seed, adversarial);
        }
    }
}
