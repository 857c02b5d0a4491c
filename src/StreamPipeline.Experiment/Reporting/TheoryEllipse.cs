namespace StreamPipeline.Experiment.Reporting;

/// <summary>
/// One Gaussian of the theory figure: its distribution ("true" for N(±μ*, Σ*), "learned" for a model learned at
/// <see cref="Eps"/>), the mean of the +1 class (the −1 class is its mirror image) and the 2-D covariance.
/// </summary>
public sealed record TheoryEllipse(string Distribution, double? Eps, double MeanX, double MeanY, double SigmaXX, double SigmaXY, double SigmaYY);
