using static TorchSharp.torch;

namespace StreamPipeline.Attacks.Theory;

/// <summary>
/// Robust accuracy of a linear classifier sign(wᵀx) under an L2 adversary of radius eps. For a linear classifier the
/// worst perturbation is known exactly, δ = −eps·y·w/‖w‖, so an example is robustly right iff y·wᵀx > eps·‖w‖.
/// </summary>
public static class LinearRobustness
{
    /// <summary>The share of <paramref name="sample"/> classified right under the worst L2 perturbation of radius <paramref name="eps"/>.</summary>
    public static double Accuracy(IReadOnlyList<double> weights, GaussianSample sample, double eps)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(sample);
        if (!(eps >= 0 && double.IsFinite(eps))) throw new ArgumentException($"eps must be finite and not negative, got {eps}", nameof(eps));
        var d = sample.Dimension;
        var margin = eps * Dense.Norm(weights);
        var right = 0;
        for (var n = 0; n < sample.Count; n++)
        {
            var score = 0.0;
            for (var i = 0; i < d; i++) score += weights[i] * sample.Features[n * d + i];
            if (sample.Labels[n] * score > margin) right++;
        }
        return right / (double)sample.Count;
    }

    /// <summary>
    /// The same in expectation over <paramref name="setting"/>: y·wᵀx ~ N(wᵀμ*, wᵀΣ*w), so the robust accuracy is
    /// Φ((wᵀμ* − eps·‖w‖)/sqrt(wᵀΣ*w)).
    /// </summary>
    public static double Expected(IReadOnlyList<double> weights, GaussianSetting setting, double eps)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(setting);
        var spread = Math.Sqrt(Dense.Dot(weights, Dense.Multiply(setting.Covariance, weights)));
        var z = (Dense.Dot(weights, setting.Mean) - eps * Dense.Norm(weights)) / spread;
        using var scope = NewDisposeScope();
        return special.ndtr(tensor(z, float64)).item<double>();
    }
}
