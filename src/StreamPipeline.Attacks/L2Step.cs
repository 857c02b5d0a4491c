using static TorchSharp.torch;

namespace StreamPipeline.Attacks;

/// <summary>L2 threat model: steps of L2 length <c>stepSize</c> along the gradient, projection onto the eps-ball and [0,1].</summary>
public sealed class L2Step : IAttackStep
{
    public L2Step(float eps, float stepSize)
    {
        Eps = eps;
        StepSize = stepSize;
    }

    public ThreatModel Norm => ThreatModel.L2;

    public float Eps { get; }

    public float StepSize { get; }

    /// <summary>A uniformly random direction at distance eps (the sphere, as in robustness' L2Step), then projected.</summary>
    public Tensor RandomStart(Tensor x, Tensor origin, Tensor gaussianNoise)
    {
        using var scope = NewDisposeScope();
        var start = x + PerExample.Normalize(gaussianNoise) * Eps;
        return scope.MoveToOuter(Project(start, origin));
    }

    public Tensor Step(Tensor x, Tensor grad)
    {
        using var scope = NewDisposeScope();
        return scope.MoveToOuter(x + PerExample.Normalize(grad) * StepSize);
    }

    public Tensor Project(Tensor x, Tensor origin)
    {
        using var scope = NewDisposeScope();
        var delta = x - origin;
        // Scale down only what lies outside the ball; clamping to [0,1] afterwards cannot leave the ball
        // because the origin is inside the box and clamping moves every coordinate toward it.
        var factor = (Eps / PerExample.L2Norm(delta).clamp_min(PerExample.TinyNorm)).clamp_max(1f);
        return scope.MoveToOuter((origin + delta * factor).clamp(0f, 1f));
    }
}
