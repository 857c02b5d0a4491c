using static TorchSharp.torch;

namespace StreamPipeline.Attacks;

/// <summary>L∞ threat model: signed-gradient steps of size <c>stepSize</c>, projection onto the eps-box and [0,1].</summary>
public sealed class LinfStep : IAttackStep
{
    public LinfStep(float eps, float stepSize)
    {
        Eps = eps;
        StepSize = stepSize;
    }

    public ThreatModel Norm => ThreatModel.Linf;

    public float Eps { get; }

    public float StepSize { get; }

    /// <summary>Uniform in the eps-box: erf(z/√2) maps a standard normal z to U(−1,1) exactly.</summary>
    public Tensor RandomStart(Tensor x, Tensor origin, Tensor gaussianNoise)
    {
        using var scope = NewDisposeScope();
        var uniform = (gaussianNoise / MathF.Sqrt(2f)).erf();
        return scope.MoveToOuter(Project(x + uniform * Eps, origin));
    }

    public Tensor Step(Tensor x, Tensor grad)
    {
        using var scope = NewDisposeScope();
        return scope.MoveToOuter(x + grad.sign() * StepSize);
    }

    public Tensor Project(Tensor x, Tensor origin)
    {
        using var scope = NewDisposeScope();
        var delta = (x - origin).clamp(-Eps, Eps);
        return scope.MoveToOuter((origin + delta).clamp(0f, 1f));
    }
}
