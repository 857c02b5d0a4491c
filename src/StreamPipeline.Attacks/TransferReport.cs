namespace StreamPipeline.Attacks;

/// <summary>
/// The result of <see cref="TransferEvaluation.Run"/>: how many examples were attacked, the share of them the source model
/// itself classifies as their target (the white-box success), and one outcome per target model, in the order given.
/// </summary>
public sealed record TransferReport(long Examples, double SourceSuccess, IReadOnlyList<TransferOutcome> Targets);
