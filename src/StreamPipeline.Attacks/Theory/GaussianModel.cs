using static TorchSharp.torch;

namespace StreamPipeline.Attacks.Theory;

/// <summary>
/// A learned Gaussian (μ, Σ) of the Section 4 setting, used as a classifier: it predicts sign(wᵀx) with w = Σ⁻¹μ (the
/// likelihood ratio of N(μ, Σ) and N(−μ, Σ)). Its loss on (x, y) is the negative log-likelihood
/// ℓ = ½(x − yμ)ᵀΣ⁻¹(x − yμ) + ½ log|Σ| (the constant d/2·log 2π left out).
/// </summary>
public sealed record GaussianModel(double[] Mean, double[][] Covariance)
{
    public int Dimension => Mean.Length;

    /// <summary>w = Σ⁻¹μ, the linear classifier's weights.</summary>
    public double[] Weights() => Dense.Multiply(Dense.Inverse(Covariance), Mean);

    public SymmetricEigen Eigen() => Dense.Eigen(Covariance);

    /// <summary>ℓ(x, y) per example of <paramref name="sample"/>.</summary>
    public double[] Losses(GaussianSample sample)
    {
        using var scope = NewDisposeScope();
        using var likelihood = Likelihood();
        return Dense.ToVector(likelihood.PerExample(sample.FeatureTensor(), sample.LabelTensor()));
    }

    /// <summary>ℓ(x + δ, y) per example of <paramref name="sample"/>, with δ found by <paramref name="adversary"/> against this model.</summary>
    public double[] Losses(GaussianSample sample, ILikelihoodAdversary adversary)
    {
        ArgumentNullException.ThrowIfNull(adversary);
        using var scope = NewDisposeScope();
        using var likelihood = Likelihood();
        var x = sample.FeatureTensor();
        var y = sample.LabelTensor();
        var delta = adversary.Perturbation(x, xp => likelihood.PerExample(xp, y));
        return Dense.ToVector(likelihood.PerExample(x + delta, y));
    }

    /// <summary>The model's likelihood as tensors (the caller disposes it).</summary>
    internal GaussianLikelihood Likelihood()
    {
        using var scope = NewDisposeScope();
        var covariance = Dense.Matrix(Covariance);
        var root = linalg.cholesky(covariance);
        var halfLogDet = root.diagonal().log().sum();
        return new GaussianLikelihood(scope.MoveToOuter(Dense.Vector(Mean)), scope.MoveToOuter(linalg.inv(covariance)), scope.MoveToOuter(halfLogDet));
    }
}
