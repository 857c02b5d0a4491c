namespace StreamPipeline.Attacks.Theory;

/// <summary>
/// The exact inner maximum of the eps-ball adversary, to check PGD against: max over ‖δ‖ ≤ eps of
/// ½(z + δ)ᵀP(z + δ) with z = x − yμ and P = Σ⁻¹ — a trust-region problem with a convex objective, so the maximum lies
/// on the sphere. In P's eigenbasis (eigenvalues p_k, coordinates c_k of z) the maximiser is δ_k = p_k c_k/(ν − p_k)
/// with the multiplier ν ≥ p_max chosen so that ‖δ‖ = eps (found by bisection: ‖δ(ν)‖ falls as ν grows); the "hard
/// case" (z with no component along P's top eigenvectors) fills the rest of the radius along them.
/// </summary>
public static class TrustRegionMaximum
{
    /// <summary>The maximising δ of each example of <paramref name="sample"/> (row-major, Count×Dimension).</summary>
    public static double[] Perturbations(GaussianModel model, GaussianSample sample, double eps)
    {
        Check(model, sample, eps);
        var eigen = model.Eigen();
        var d = model.Dimension;
        var result = new double[sample.Count * d];
        for (var n = 0; n < sample.Count; n++)
            Solve(eigen, Residual(model, sample, n), eps).CopyTo(result, n * d);
        return result;
    }

    /// <summary>ℓ(x + δ*, y) of each example: the largest loss the eps-ball adversary can reach.</summary>
    public static double[] Losses(GaussianModel model, GaussianSample sample, double eps)
    {
        Check(model, sample, eps);
        var eigen = model.Eigen();
        var halfLogDet = 0.5 * eigen.Values.Sum(Math.Log);
        var d = model.Dimension;
        var losses = new double[sample.Count];
        for (var n = 0; n < sample.Count; n++)
        {
            var z = Residual(model, sample, n);
            var delta = Solve(eigen, z, eps);
            var moved = z.Select((v, i) => v + delta[i]).ToArray();
            losses[n] = 0.5 * Enumerable.Range(0, d).Sum(k => Math.Pow(Dense.Dot(eigen.Vectors[k], moved), 2) / eigen.Values[k]) + halfLogDet;
        }
        return losses;
    }

    /// <summary>The maximiser for one residual z, given the eigendecomposition of Σ (P has the same eigenvectors, eigenvalues 1/σ).</summary>
    internal static double[] Solve(SymmetricEigen covariance, double[] z, double eps)
    {
        var d = z.Length;
        var p = covariance.Values.Select(s => 1 / s).ToArray();
        var c = covariance.Vectors.Select(v => Dense.Dot(v, z)).ToArray();
        var pMax = p.Max();
        // Directions whose precision equals the largest (up to rounding): the top eigenspace.
        var top = Enumerable.Range(0, d).Where(k => p[k] >= pMax * (1 - 1e-12)).ToArray();
        var pc = p.Select((pk, k) => pk * c[k]).ToArray();

        double NormAt(double nu) => Math.Sqrt(Enumerable.Range(0, d).Sum(k => Math.Pow(pc[k] / (nu - p[k]), 2)));

        var coordinates = new double[d];
        var topWeight = Math.Sqrt(top.Sum(k => c[k] * c[k]));
        if (topWeight <= 1e-14 * Math.Max(1, Dense.Norm(c)))
        {
            // Hard case: ν = p_max; the other directions as the formula says, the remaining radius along the top.
            var rest = 0.0;
            for (var k = 0; k < d; k++)
                if (!top.Contains(k))
                {
                    coordinates[k] = pc[k] / (pMax - p[k]);
                    rest += coordinates[k] * coordinates[k];
                }
            if (rest <= eps * eps)
            {
                coordinates[top[0]] = Math.Sqrt(eps * eps - rest);
                return ToInput(covariance, coordinates);
            }
        }
        var lo = pMax;
        var hi = pMax + Dense.Norm(pc) / eps;
        for (var i = 0; i < 200 && hi - lo > 1e-15 * hi; i++)
        {
            var mid = 0.5 * (lo + hi);
            if (NormAt(mid) > eps) lo = mid;
            else hi = mid;
        }
        var nuStar = hi; // ‖δ(hi)‖ ≤ eps: the returned δ never leaves the ball
        for (var k = 0; k < d; k++) coordinates[k] = pc[k] / (nuStar - p[k]);
        return ToInput(covariance, coordinates);
    }

    private static double[] ToInput(SymmetricEigen basis, double[] coordinates)
    {
        var d = coordinates.Length;
        var v = new double[d];
        for (var k = 0; k < d; k++)
            for (var i = 0; i < d; i++)
                v[i] += coordinates[k] * basis.Vectors[k][i];
        return v;
    }

    private static double[] Residual(GaussianModel model, GaussianSample sample, int n)
    {
        var d = model.Dimension;
        var y = sample.Labels[n];
        return Enumerable.Range(0, d).Select(i => sample.Features[n * d + i] - y * model.Mean[i]).ToArray();
    }

    private static void Check(GaussianModel model, GaussianSample sample, double eps)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sample);
        if (model.Dimension != sample.Dimension) throw new ArgumentException($"a {model.Dimension}-dimensional model and a {sample.Dimension}-dimensional sample");
        if (!(eps > 0 && double.IsFinite(eps))) throw new ArgumentException($"eps must be positive and finite, got {eps}", nameof(eps));
    }
}
