namespace StreamPipeline.Attacks;

/// <summary>Accuracy of a model on the attacked examples at one attack radius (at eps 0: on the clean examples).</summary>
public sealed record RobustnessPoint(double Eps, double RobustAccuracy);
