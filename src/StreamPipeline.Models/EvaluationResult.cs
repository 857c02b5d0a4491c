namespace StreamPipeline.Models;

/// <summary>Accuracy on clean examples and, when an attack was given, on the attacked ones (null otherwise).</summary>
public sealed record EvaluationResult(long Examples, double Accuracy, double? RobustAccuracy);
