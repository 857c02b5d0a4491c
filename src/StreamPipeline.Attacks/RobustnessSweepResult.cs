namespace StreamPipeline.Attacks;

/// <summary>The result of <see cref="RobustnessSweep.Run"/>: examples evaluated, clean accuracy, and one point per eps in the order asked.</summary>
public sealed record RobustnessSweepResult(long Examples, double CleanAccuracy, IReadOnlyList<RobustnessPoint> Points);
