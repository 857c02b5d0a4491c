namespace StreamPipeline.Experiment.Reporting;

/// <summary>
/// One point of a robust-accuracy-vs-eps curve: a model trained on <see cref="TrainingSet"/>, attacked at radius
/// <see cref="Eps"/>, measured on <see cref="Examples"/> test images.
/// </summary>
public sealed record RobustnessCurvePoint(string TrainingSet, double Eps, double RobustAccuracy, long Examples)
{
    /// <summary>The 95% Wilson interval of <see cref="RobustAccuracy"/> over <see cref="Examples"/>.</summary>
    public (double Low, double High) Interval => WilsonInterval.Of(RobustAccuracy, Examples);
}
