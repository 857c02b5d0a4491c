using StreamPipeline.Models;

namespace StreamPipeline.Application.Training;

/// <summary>Everything one training run needs.</summary>
/// <param name="Adversarial">Untargeted PGD for adversarial training; null for standard training.</param>
/// <param name="TestData">Also evaluate on this dataset after training and record the accuracy in the sidecar.</param>
public sealed record TrainRequest(
    string Data, string Architecture, string Output, TrainingSettings Settings, AttackSettings? Adversarial,
    string? TestData, string? DataRoot, long? Limit, string Device, long? TestLimit = null);
