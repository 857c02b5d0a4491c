namespace StreamPipeline.Models;

/// <summary>Evaluation progress; accuracies are over the examples done so far (robust accuracy null without an attack).</summary>
public sealed record EvaluationProgress(long ExamplesDone, long ExamplesTotal, double Accuracy, double? RobustAccuracy, TimeSpan Elapsed);
