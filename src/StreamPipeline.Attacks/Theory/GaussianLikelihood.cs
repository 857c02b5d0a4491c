using static TorchSharp.torch;

namespace StreamPipeline.Attacks.Theory;

/// <summary>
/// ℓ(x, y; μ, Σ) = ½(x − yμ)ᵀP(x − yμ) + ½ log|Σ| per example, from tensors μ, P = Σ⁻¹ and ½ log|Σ| (which may carry
/// gradients: the robust learner differentiates through them). Owns its three tensors.
/// </summary>
internal sealed class GaussianLikelihood(Tensor mean, Tensor precision, Tensor halfLogDet) : IDisposable
{
    public Tensor Mean { get; } = mean;

    public Tensor Precision { get; } = precision;

    public Tensor HalfLogDet { get; } = halfLogDet;

    /// <summary>ℓ for each row of <paramref name="x"/> (N×d) with labels <paramref name="y"/> (N values ±1).</summary>
    public Tensor PerExample(Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        var z = x - y.unsqueeze(1) * Mean.unsqueeze(0);
        return scope.MoveToOuter((z.matmul(Precision) * z).sum(1) * 0.5 + HalfLogDet);
    }

    /// <summary>The same likelihood with no gradient history: what an adversary may see of the model.</summary>
    public GaussianLikelihood Detached() => new(Mean.detach(), Precision.detach(), HalfLogDet.detach());

    public void Dispose()
    {
        Mean.Dispose();
        Precision.Dispose();
        HalfLogDet.Dispose();
    }
}
