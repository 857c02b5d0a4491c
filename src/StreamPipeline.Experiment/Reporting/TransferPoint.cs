namespace StreamPipeline.Experiment.Reporting;

/// <summary>
/// One architecture of Figure 3: x = accuracy on the original test set of the architecture trained on D_det (how much it
/// learns from the source's non-robust features), measured on <see cref="DetExamples"/> images; y = the share of the
/// source's D_det-style adversarial examples that the architecture (trained normally) classifies as their target,
/// measured on <see cref="TransferExamples"/> images.
/// </summary>
public sealed record TransferPoint(string Architecture, double DetAccuracy, long DetExamples, double TransferSuccess, long TransferExamples)
{
    public (double Low, double High) DetInterval => WilsonInterval.Of(DetAccuracy, DetExamples);

    public (double Low, double High) TransferInterval => WilsonInterval.Of(TransferSuccess, TransferExamples);
}
