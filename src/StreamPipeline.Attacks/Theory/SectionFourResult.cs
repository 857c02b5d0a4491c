namespace StreamPipeline.Attacks.Theory;

/// <summary>What <see cref="SectionFourStudy"/> measured: per Gaussian setting, the robust fits and the two theorems' checks.</summary>
public sealed record SectionFourResult(SectionFourSettings Configuration, IReadOnlyList<SectionFourResult.SettingStudy> Studies)
{
    /// <summary>
    /// One setting: the standard (ML) model of its training sample and how far that sample's covariance eigenvalues lie
    /// from Σ*'s (largest relative difference), the robust fits per eps, the Lagrangian checks of Theorem 2, Theorem 1's
    /// check, robust accuracy per eps.
    /// </summary>
    public sealed record SettingStudy(
        GaussianSetting Setting,
        GaussianModel Standard,
        double SampleMeanError,
        double SampleEigenvalueError,
        IReadOnlyList<RobustPoint> Robust,
        IReadOnlyList<LagrangianPoint> Lagrangian,
        IReadOnlyList<VulnerabilityPoint> Vulnerability,
        IReadOnlyList<AccuracyPoint> Accuracy);

    /// <summary>
    /// Robust ML against the eps-ball adversary (eps 0: standard ML). Errors are relative: the mean's ‖μ − μ*‖/‖μ*‖; the
    /// eigenvalues' |form − learned|/learned, with Theorem 2's form applied to the training sample's covariance at the
    /// fitted 1/λ. Angles in degrees between eigenvectors of the same rank. The PGD gaps compare the inner maximum PGD
    /// reaches with the exact one (<see cref="TrustRegionMaximum"/>), relative to the exact quadratic term, at the learned model.
    /// </summary>
    public sealed record RobustPoint(
        double Eps,
        GaussianModel Model,
        double RobustLoss,
        double GradientNorm,
        double MeanError,
        double[] Eigenvalues,
        double[] FormEigenvalues,
        double InverseLambda,
        double MaxRelativeError,
        double AngleToTrue,
        double AngleToSample,
        double ConditionNumber,
        double PgdMeanGap,
        double PgdMaxGap);

    /// <summary>Robust ML against the Lagrangian adversary of a given 1/λ: learned eigenvalues vs Theorem 2's exact form (no fit).</summary>
    public sealed record LagrangianPoint(double InverseLambda, double MeanError, double[] Eigenvalues, double[] FormEigenvalues, double MaxRelativeError);

    /// <summary>
    /// Theorem 1 at penalty C = multiple/σ_min(Σ*): the ML model's measured adversarial gain and loss increase on its
    /// training sample; the predictions from that sample's covariance (exact for it) and from Σ* (the population); the
    /// isotropic control of the same trace, measured and predicted.
    /// </summary>
    public sealed record VulnerabilityPoint(
        double PenaltyMultiple,
        double Penalty,
        MeasuredVulnerability Measured,
        double PredictedGainOfSample,
        double PredictedGain,
        double PredictedLossIncrease,
        MeasuredVulnerability IsotropicMeasured,
        double IsotropicPredictedGain,
        double IsotropicPredictedLossIncrease);

    /// <summary>
    /// Robust accuracy on fresh examples at eps: the standard (ML) classifier, the classifier learned robustly at that eps,
    /// and the standard classifier of the isotropic control (same mean, covariance of the same trace).
    /// </summary>
    public sealed record AccuracyPoint(double Eps, double Standard, double Robust, double IsotropicStandard);
}
