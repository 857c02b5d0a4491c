using System.Globalization;
using System.Text;
using StreamPipeline.Attacks.Theory;

namespace StreamPipeline.Experiment;

/// <summary>
/// The Section 4 part of results.md: the 2-D figure, then per setting the robust fits against Theorem 2 (fitted λ per
/// eps, and the exact Lagrangian check), Theorem 1's vulnerability against its formula with the isotropic control, and
/// robust accuracy. Every table row is formatted from evals/theory.json by the public row helpers here.
/// </summary>
public static class TheoryReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public const string Heading = "## Section 4: robust and non-robust features in a Gaussian model (theory)";

    internal static void Append(StringBuilder md, TheoryStudy.Figure figure, Func<string, string> link)
    {
        var result = figure.Result;
        var s = result.Configuration;
        md.AppendLine(Heading);
        md.AppendLine();
        md.AppendLine($"![Learned Gaussians of the 2-D setting per eps]({link(figure.Files.Png)})");
        md.AppendLine();
        md.AppendLine("**Theorem 2 in 2-D (the paper's Figure 4).** y uniform in {−1, +1}, x ~ N(y·μ*, Σ*). Plane: Σ* has eigenvalues 1 and 0.04 " +
                      "along axes turned 30°, and μ* lies one standard deviation out along each, so both directions predict y equally well but the " +
                      "second is 5× smaller in L2: a non-robust feature. Each ellipse is the 1-σ level set of a learned N(±μ, Σ): standard maximum " +
                      $"likelihood (ε = 0) and robust maximum likelihood against an L2 ball of radius ε, from {s.Samples:N0} examples; dashed: Σ*. " +
                      "The mean stays while the covariance blends toward the identity, most in the small-variance direction, so the classifier " +
                      $"w = Σ⁻¹μ leans less on the non-robust feature. Gaussians drawn: [{link(figure.Files.Csv)}]({link(figure.Files.Csv)}).");
        md.AppendLine();
        md.AppendLine($"How: robust ML minimises the mean of max over ‖δ‖₂ ≤ ε of ℓ(x + δ) = ½(x + δ − yμ)ᵀΣ⁻¹(x + δ − yμ) + ½ log|Σ| by {s.FitSteps} " +
                      $"full-batch Adam steps (learning rate {Number(s.LearningRate)}, cosine to 0) on μ and a Cholesky factor of Σ (positive diagonal). " +
                      $"The inner maximum is PGD on the likelihood: {s.PgdSteps} normalised L2 steps of {Number(s.PgdStepOverEps)}·ε per outer step, " +
                      "projected onto the ball, from δ = 0 and from the previous step's δ, the better kept per example. The loss is a convex quadratic " +
                      "in δ, so its maximum lies on the sphere and is known exactly (a trust-region problem): the last column compares PGD's final " +
                      "maximum with it. Theorem 2's form is applied to the covariance Σ̂ of the training sample (what the learner sees) and fitted " +
                      "with one λ by least squares of the relative residuals; misfit = largest |form/learned − 1|. Settings: " +
                      string.Join("; ", result.Studies.Select(st => $"{st.Setting.Name} (d = {st.Setting.Dimension}): Σ̂'s eigenvalues within " +
                          $"{Percent(st.SampleEigenvalueError)} of Σ*'s, its mean {Percent(st.SampleMeanError)} of ‖μ*‖ from μ*")) +
                      ". Spread: Σ* has eigenvalues from 2 down to 0.02 (log-spaced) in a random basis, μ* half a standard deviation out along each.");
        md.AppendLine();
        md.AppendLine("| setting | ε | ‖μ − μ*‖/‖μ*‖ | eigenvalues of Σ learned | Theorem 2 at fitted λ | fitted 1/λ | misfit | κ(Σ) | eigenvector angle to Σ̂ / Σ* | PGD short of the max: mean / worst |");
        md.AppendLine("|---|---:|---:|---|---|---:|---:|---:|---:|---:|");
        foreach (var st in result.Studies)
            foreach (var r in st.Robust)
                md.AppendLine(RobustRow(st.Setting.Name, r));
        md.AppendLine();
        md.AppendLine("**Theorem 2, exactly.** Against the Lagrangian adversary max over δ of ℓ(x + δ) − (λ/2)‖δ‖² (no bound; inner maximum by " +
                      $"{s.PenaltySteps} gradient-ascent steps of 1/λ per outer step, warm-started) the form is the exact minimiser: per eigendirection the " +
                      "robust loss is ½σ*λ/(λσ − 1) + ½ log σ. Learned eigenvalues against the form of Σ̂ at the same λ:");
        md.AppendLine();
        md.AppendLine("| setting | 1/λ | ‖μ − μ*‖/‖μ*‖ | eigenvalues learned | Theorem 2 | largest relative difference |");
        md.AppendLine("|---|---:|---:|---|---|---:|");
        foreach (var st in result.Studies)
            foreach (var l in st.Lagrangian)
                md.AppendLine(LagrangianRow(st.Setting.Name, l));
        md.AppendLine();
        md.AppendLine("**Theorem 1 (misalignment), as derived here.** Against the Lagrangian adversary with penalty (C/2)‖δ‖², C > 1/σ_min(Σ*), the " +
                      "standard (ML) model's adversary gains ½ tr[(CΣ* − I)⁻¹] in its objective (loss less penalty) and raises the loss itself by " +
                      "½(tr[(I + (CΣ* − I)⁻¹)²] − d) (per eigendirection: δ = z/(Cσ − 1)). Both are sums of a convex decreasing function of each " +
                      "eigenvalue, so for a fixed trace they are smallest for isotropic Σ*: directions of small variance are where an L2 adversary is " +
                      $"cheap. Measured by {s.AscentSteps} steps of gradient ascent (step 1/C) on the training sample, where Σ̂ is the residuals' exact " +
                      "covariance; the isotropic control has the same mean and covariance (tr Σ*/d)·I.");
        md.AppendLine();
        md.AppendLine("| setting | C·σ_min(Σ*) | gain measured | ½tr[(CΣ̂ − I)⁻¹] | ½tr[(CΣ* − I)⁻¹] | loss increase measured | ½(tr[(I + (CΣ* − I)⁻¹)²] − d) | isotropic: gain measured | isotropic: formula |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var st in result.Studies)
            foreach (var v in st.Vulnerability)
                md.AppendLine(VulnerabilityRow(st.Setting.Name, v));
        md.AppendLine();
        md.AppendLine($"**Robust accuracy** of sign(wᵀx), w = Σ⁻¹μ, on {s.TestSamples:N0} fresh examples under the worst L2 perturbation of radius ε " +
                      "(for a linear classifier exactly −ε·y·w/‖w‖): the standard classifier, the one learned robustly at that ε, and the standard " +
                      "classifier of the isotropic control.");
        md.AppendLine();
        md.AppendLine("| setting | ε | standard | robust (learned at ε) | isotropic control, standard |");
        md.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var st in result.Studies)
            foreach (var a in st.Accuracy)
                md.AppendLine(AccuracyRow(st.Setting.Name, a));
        md.AppendLine();
    }

    public static string RobustRow(string setting, SectionFourResult.RobustPoint r) =>
        $"| {setting} | {Number(r.Eps)} | {Percent(r.MeanError)} | {Values(r.Eigenvalues)} | {Values(r.FormEigenvalues)} | {Value(r.InverseLambda)} | " +
        $"{Percent(r.MaxRelativeError)} | {r.ConditionNumber.ToString("0.00", Inv)} | {Degrees(r.AngleToSample)} / {Degrees(r.AngleToTrue)} | " +
        $"{Small(r.PgdMeanGap)} / {Small(r.PgdMaxGap)} |";

    public static string LagrangianRow(string setting, SectionFourResult.LagrangianPoint l) =>
        $"| {setting} | {Number(l.InverseLambda)} | {Percent(l.MeanError)} | {Values(l.Eigenvalues)} | {Values(l.FormEigenvalues)} | {Small(l.MaxRelativeError)} |";

    public static string VulnerabilityRow(string setting, SectionFourResult.VulnerabilityPoint v) =>
        $"| {setting} | {Number(v.PenaltyMultiple)} | {Value(v.Measured.PenaltyGain)} | {Value(v.PredictedGainOfSample)} | {Value(v.PredictedGain)} | " +
        $"{Value(v.Measured.LossIncrease)} | {Value(v.PredictedLossIncrease)} | {Value(v.IsotropicMeasured.PenaltyGain)} | {Value(v.IsotropicPredictedGain)} |";

    public static string AccuracyRow(string setting, SectionFourResult.AccuracyPoint a) =>
        $"| {setting} | {Number(a.Eps)} | {Percent(a.Standard)} | {Percent(a.Robust)} | {Percent(a.IsotropicStandard)} |";

    private static string Values(IEnumerable<double> values) => string.Join(", ", values.Select(Value));

    private static string Value(double v) => v.ToString("0.0000", Inv);

    private static string Number(double v) => v.ToString("0.####", Inv);

    private static string Percent(double v) => (100 * v).ToString("0.00", Inv) + "%";

    private static string Degrees(double v) => v.ToString("0.00", Inv) + "°";

    /// <summary>Small relative quantities (fit residuals, PGD shortfalls) in scientific notation: their size is the point.</summary>
    private static string Small(double v) => v.ToString("0.0E+0", Inv);
}
