using static TorchSharp.torch;

namespace StreamPipeline.Attacks;

/// <summary>Unbounded L2 threat model (representation matching): normalized L2 steps, projection onto [0,1] only.</summary>
public sealed class UnboundedL2Step : IAttackStep
{
    public UnboundedL2Step(float stepSize)
    {
        StepSize = stepSize;
    }

    public ThreatModel Norm => ThreatModel.L2Unbounded;

    public float StepSize { get; }

    /// <summary>With no eps, the random start is one step-length in a random direction (robustness' UnconstrainedL2 scale).</summary>
    public Tensor RandomStart(Tensor x, Tensor origin, Tensor gaussianNoise)
    {
        using var scope = NewDisposeScope();
        return scope.MoveToOuter(Project(x + PerExample.Normalize(gaussianNoise) * StepSize, origin));
    }

    public Tensor Step(Tensor x, Tensor grad)
    {
        using var scope = NewDisposeScope();
        return scope.MoveToOuter(x + PerExample.Normalize(grad) * StepSize);
    }

    public Tensor Project(Tensor x, Tensor origin) => x.clamp(0f, 1f);
}
