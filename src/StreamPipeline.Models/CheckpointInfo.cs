using StreamPipeline.Data;

namespace StreamPipeline.Models;

/// <summary>
/// The JSON sidecar of a checkpoint (<c>weights + ".json"</c>): enough to rebuild the model, check the weights and tell
/// where they came from. <see cref="WeightsSha256"/> is the lowercase hex SHA-256 of the weights file.
/// </summary>
public sealed record CheckpointInfo(
    string Architecture,
    ImageShape InputShape,
    int Classes,
    float[] Mean,
    float[] Std,
    string DatasetRef,
    TrainingInfo? Training,
    IReadOnlyDictionary<string, double> Metrics,
    string WeightsSha256,
    DateTime CreatedUtc,
    ImportSource? ImportedFrom = null)
{
    /// <summary>
    /// A sidecar describing <paramref name="model"/> (architecture, shape, classes and normalisation read from the model);
    /// <see cref="WeightsSha256"/> and <see cref="CreatedUtc"/> are filled in by <see cref="Checkpoint.Save"/>.
    /// </summary>
    public static CheckpointInfo Describe(
        ClassifierModel model, string datasetRef, TrainingInfo? training = null, IReadOnlyDictionary<string, double>? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var (mean, std) = model is INormalizedClassifier n
            ? (n.Mean, n.Std)
            : (new float[model.InputShape.Channels], Enumerable.Repeat(1f, model.InputShape.Channels).ToArray());
        return new CheckpointInfo(
            model.Architecture, model.InputShape, model.Classes, mean, std, datasetRef, training,
            metrics ?? new Dictionary<string, double>(), WeightsSha256: "", CreatedUtc: default);
    }
}
