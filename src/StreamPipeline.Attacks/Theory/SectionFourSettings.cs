namespace StreamPipeline.Attacks.Theory;

/// <summary>
/// How <see cref="SectionFourStudy"/> runs: the adversary radii, the training and test sample sizes, the seed, the outer
/// (Adam) and inner (PGD) loops, the penalties of the Lagrangian checks.
/// </summary>
/// <param name="Eps">L2 radii of robust learning (0: standard maximum likelihood) and of the robust-accuracy table.</param>
/// <param name="Samples">Training examples per setting.</param>
/// <param name="TestSamples">Fresh examples per setting for robust accuracy.</param>
/// <param name="FitSteps">Outer (Adam) steps of each robust fit (see <see cref="RobustFitSettings"/>).</param>
/// <param name="LearningRate">Adam's initial learning rate.</param>
/// <param name="InverseLambdas">1/λ of the Lagrangian adversaries whose robust fit is checked against Theorem 2 exactly.</param>
/// <param name="PenaltyMultiples">Theorem 1's penalties, as multiples of 1/σ_min(Σ*) (each above 1).</param>
/// <param name="PgdSteps">Inner PGD steps per outer step of robust learning (warm-started, see <see cref="RobustFitSettings.WarmStart"/>).</param>
/// <param name="PgdStepOverEps">The PGD step length over eps (see <see cref="L2BallAdversary"/>).</param>
/// <param name="PenaltySteps">Inner gradient-ascent steps of the Lagrangian adversary per outer step (warm-started too).</param>
/// <param name="AscentSteps">Gradient-ascent steps of the Lagrangian adversary measuring Theorem 1 (from δ = 0).</param>
public sealed record SectionFourSettings(
    IReadOnlyList<double> Eps,
    int Samples,
    int TestSamples,
    long Seed,
    int FitSteps,
    double LearningRate,
    IReadOnlyList<double> InverseLambdas,
    IReadOnlyList<double> PenaltyMultiples,
    int PgdSteps = 5,
    double PgdStepOverEps = 10,
    int PenaltySteps = 10,
    int AscentSteps = 200)
{
    private const int MaxSamples = 1_000_000, MaxSteps = 100_000;

    /// <summary>The outer loop of a robust fit whose inner search starts at <paramref name="start"/>.</summary>
    public RobustFitSettings Fit(InnerStart start) => new(FitSteps, LearningRate, start);

    /// <summary>This, checked; errors name the experiment spec's keys (theory.eps, theory.samples, ...).</summary>
    public SectionFourSettings Validated()
    {
        ArgumentNullException.ThrowIfNull(Eps);
        ArgumentNullException.ThrowIfNull(InverseLambdas);
        ArgumentNullException.ThrowIfNull(PenaltyMultiples);
        if (Eps.Count == 0) throw new ArgumentException("theory.eps must list at least one radius");
        if (Eps.Any(e => !(e >= 0 && double.IsFinite(e)))) throw new ArgumentException("theory.eps: every eps must be finite and not negative");
        if (Eps.Distinct().Count() != Eps.Count) throw new ArgumentException("theory.eps lists a radius twice");
        // Upper bounds keep an absurd count from exhausting memory: the samples are held as tensors and arrays.
        if (Samples is < 10 or > MaxSamples) throw new ArgumentException($"theory.samples must be between 10 and {MaxSamples}, got {Samples}");
        if (TestSamples is < 10 or > MaxSamples) throw new ArgumentException($"theory.test-samples must be between 10 and {MaxSamples}, got {TestSamples}");
        if (FitSteps is < 1 or > MaxSteps) throw new ArgumentException($"theory.fit-steps must be between 1 and {MaxSteps}, got {FitSteps}");
        if (!(LearningRate > 0 && double.IsFinite(LearningRate))) throw new ArgumentException($"theory.learning-rate must be positive and finite, got {LearningRate}");
        if (InverseLambdas.Any(t => !(t > 0 && double.IsFinite(t)))) throw new ArgumentException("theory.inverse-lambdas: every 1/lambda must be positive and finite");
        if (PenaltyMultiples.Any(m => !(m > 1 && double.IsFinite(m)))) throw new ArgumentException("theory.penalty-multiples: every multiple must exceed 1 (at C <= 1/sigma_min the adversary's gain is unbounded)");
        if (PgdSteps is < 1 or > MaxSteps || PenaltySteps is < 1 or > MaxSteps || AscentSteps is < 1 or > MaxSteps)
            throw new ArgumentException("theory: PGD and ascent steps must be positive");
        if (!(PgdStepOverEps > 0 && double.IsFinite(PgdStepOverEps))) throw new ArgumentException("theory: the PGD step over eps must be positive");
        return this;
    }
}
