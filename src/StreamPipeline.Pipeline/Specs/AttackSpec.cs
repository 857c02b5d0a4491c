namespace StreamPipeline.Pipeline.Specs;

/// <summary>The attack parameters of a job spec (HOCON block <c>attack { ... }</c>).</summary>
public sealed record AttackSpec(ThreatModel Norm, double Eps, double StepSize, int Steps, bool RandomStart)
{
    /// <summary>The paper's D_det/D_rand settings for CIFAR-10: L2, eps 0.5, step 0.1, 100 steps.</summary>
    public static AttackSpec Default { get; } = new(ThreatModel.L2, 0.5, 0.1, 100, false);
}
