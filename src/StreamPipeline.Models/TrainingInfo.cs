using StreamPipeline.Data.Constructions;

namespace StreamPipeline.Models;

/// <summary>
/// How a checkpoint was trained, as recorded in its sidecar. <see cref="Adversarial"/> is the untargeted PGD of
/// adversarial training, or null for standard training.
/// </summary>
public sealed record TrainingInfo(
    int Epochs,
    int BatchSize,
    double LearningRate,
    int Seed,
    AttackSettings? Adversarial = null);
