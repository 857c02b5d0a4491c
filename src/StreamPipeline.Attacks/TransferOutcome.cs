namespace StreamPipeline.Attacks;

/// <summary>
/// How one target model fared in <see cref="TransferEvaluation"/>: its accuracy on the clean examples, and the share of the
/// source's adversarial examples it classifies as their target t, over ALL examples (<see cref="TransferSuccess"/>, the
/// figure to plot) and over only those that fooled the source (NaN when none did).
/// </summary>
public sealed record TransferOutcome(
    string Name,
    string Architecture,
    double CleanAccuracy,
    double TransferSuccess,
    double TransferSuccessWhereSourceFooled);
