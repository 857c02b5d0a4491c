namespace StreamPipeline.Cli.Reporting;

/// <summary>
/// One architecture of Figure 3: x = accuracy on the original test set of the architecture trained on D_det (how much it
/// learns from the source's non-robust features); y = the share of the source's D_det-style adversarial examples that
/// the architecture (trained normally) classifies as their target.
/// </summary>
public sealed record TransferPoint(string Architecture, double DetAccuracy, double TransferSuccess);
