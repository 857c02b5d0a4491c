namespace StreamPipeline.Application.Evaluation;

/// <summary>A checkpoint's robust accuracy on a dataset at each of <see cref="Eps"/> (a robust-accuracy-vs-eps curve).</summary>
/// <param name="Attack">Untargeted PGD: its norm and steps are used at every eps, its step-size/eps ratio scaled to each.</param>
public sealed record RobustnessSweepRequest(
    string Model, string Data, AttackSettings Attack, IReadOnlyList<double> Eps, int BatchSize, int Seed, string? DataRoot, long? Limit, string Device);
