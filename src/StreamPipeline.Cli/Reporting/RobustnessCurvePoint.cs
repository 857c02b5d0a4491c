namespace StreamPipeline.Cli.Reporting;

/// <summary>One point of a robust-accuracy-vs-eps curve: a model trained on <see cref="TrainingSet"/>, attacked at radius <see cref="Eps"/>.</summary>
public sealed record RobustnessCurvePoint(string TrainingSet, double Eps, double RobustAccuracy);
