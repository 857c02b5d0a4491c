namespace StreamPipeline.Models;

/// <summary>
/// How a checkpoint was trained, as recorded in its sidecar. <see cref="Adversarial"/> is the PGD norm
/// (<c>l2</c>/<c>linf</c>) for adversarial training, or null for standard training (then Eps/Steps/StepSize are 0).
/// </summary>
public sealed record TrainingInfo(
    int Epochs,
    int BatchSize,
    double LearningRate,
    int Seed,
    string? Adversarial = null,
    double Eps = 0,
    int Steps = 0,
    double StepSize = 0);
