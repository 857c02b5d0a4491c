namespace StreamPipeline.Attacks.Theory;

/// <summary>
/// Theorem 2's robust covariance: Σ_r = ½Σ* + (1/λ)I + sqrt((1/λ)Σ* + ¼Σ*²), i.e. Σ*'s eigenvectors with each
/// eigenvalue σ mapped to ½σ + 1/λ + sqrt(σ/λ + σ²/4). It is the exact minimiser for the Lagrangian adversary with
/// penalty (λ/2)‖δ‖²: per eigendirection the robust loss is ½σ*λ/(λσ − 1) + ½ log σ, smallest at that σ. For the
/// eps-ball adversary each example has its own multiplier, and one λ fits only approximately (<see cref="Fit"/>).
/// Written with t = 1/λ (t = 0: no adversary, Σ_r = Σ*).
/// </summary>
public static class RobustCovarianceForm
{
    public static double Eigenvalue(double sigma, double inverseLambda) =>
        0.5 * sigma + inverseLambda + Math.Sqrt(inverseLambda * sigma + 0.25 * sigma * sigma);

    /// <summary>The form applied to <paramref name="covariance"/> (its eigenvectors kept).</summary>
    public static double[][] Covariance(double[][] covariance, double inverseLambda)
    {
        var eigen = Dense.Eigen(covariance);
        return Dense.FromEigen(eigen.Values.Select(s => Eigenvalue(s, inverseLambda)).ToArray(), eigen.Vectors);
    }

    /// <summary>
    /// The 1/λ whose form best maps <paramref name="dataEigenvalues"/> onto <paramref name="learnedEigenvalues"/> (both
    /// ascending, paired by rank) in least squares of the relative residuals form/learned − 1, and the largest relative
    /// residual |form − learned|/learned there. 1/λ ≥ 0; a grid over log(1/λ) then golden-section refinement.
    /// </summary>
    public static (double InverseLambda, double MaxRelativeError) Fit(IReadOnlyList<double> dataEigenvalues, IReadOnlyList<double> learnedEigenvalues)
    {
        ArgumentNullException.ThrowIfNull(dataEigenvalues);
        ArgumentNullException.ThrowIfNull(learnedEigenvalues);
        if (dataEigenvalues.Count != learnedEigenvalues.Count || dataEigenvalues.Count == 0)
            throw new ArgumentException("the form is fitted to as many learned eigenvalues as data eigenvalues, at least one");

        double Error(double t) => dataEigenvalues.Select((s, k) => Math.Pow(Eigenvalue(s, t) / learnedEigenvalues[k] - 1, 2)).Sum();

        // 1/λ can only be as large as the largest learned eigenvalue (the form is at least σ + 1/λ).
        double lo = Math.Log(1e-9 * learnedEigenvalues.Max()), hi = Math.Log(learnedEigenvalues.Max());
        const int grid = 400;
        var best = Enumerable.Range(0, grid + 1).Select(i => lo + (hi - lo) * i / grid).MinBy(u => Error(Math.Exp(u)));
        double a = Math.Max(lo, best - (hi - lo) / grid), b = Math.Min(hi, best + (hi - lo) / grid);
        var golden = (Math.Sqrt(5) - 1) / 2;
        for (var i = 0; i < 200; i++)
        {
            double c = b - golden * (b - a), d = a + golden * (b - a);
            if (Error(Math.Exp(c)) < Error(Math.Exp(d))) b = d;
            else a = c;
        }
        var fitted = Math.Exp(0.5 * (a + b));
        if (Error(0) <= Error(fitted)) fitted = 0;
        var maxError = dataEigenvalues.Select((s, k) => Math.Abs(Eigenvalue(s, fitted) / learnedEigenvalues[k] - 1)).Max();
        return (fitted, maxError);
    }
}
