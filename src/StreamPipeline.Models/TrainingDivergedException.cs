namespace StreamPipeline.Models;

/// <summary>Training produced a NaN or infinite loss or weights: the run failed (exit code 1) and nothing was written.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
