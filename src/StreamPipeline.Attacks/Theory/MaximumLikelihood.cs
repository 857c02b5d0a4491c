using static TorchSharp.torch;

namespace StreamPipeline.Attacks.Theory;

/// <summary>Standard maximum likelihood of the Section 4 model, in closed form: μ = mean of y·x, Σ = mean of (x − yμ)(x − yμ)ᵀ.</summary>
public static class MaximumLikelihood
{
    public static GaussianModel Fit(GaussianSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        using var scope = NewDisposeScope();
        var x = sample.FeatureTensor();
        var y = sample.LabelTensor().unsqueeze(1);
        var mean = (y * x).mean(new long[] { 0 });
        var z = x - y * mean.unsqueeze(0);
        var covariance = z.t().matmul(z) / sample.Count;
        // Symmetrise: the product is symmetric up to rounding, and eigh/cholesky downstream read one triangle.
        return new GaussianModel(Dense.ToVector(mean), Dense.ToMatrix((covariance + covariance.t()) * 0.5));
    }
}
