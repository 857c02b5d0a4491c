namespace StreamPipeline.Data.Constructions;

/// <summary>
/// Parameters of one PGD run: the one settings record of every attack in the program (job specs, experiment specs,
/// adversarial training, robust evaluation, bench). <see cref="Eps"/> is ignored for <see cref="ThreatModel.L2Unbounded"/>.
/// <see cref="Targeted"/> = minimise the objective (the constructions); false = maximise it (untargeted attacks).
/// <see cref="KeepBest"/> returns each example's best iterate instead of the last one.
/// </summary>
/// <remarks>
/// Doubles, as written in the spec files: the text a user wrote is the value hashed and recorded. Tensors are float32;
/// libtorch casts each scalar to the tensor's type when it applies it.
/// </remarks>
public sealed record AttackSettings(
    ThreatModel Norm,
    double Eps,
    double StepSize,
    int Steps,
    bool RandomStart = false,
    bool KeepBest = true,
    bool Targeted = true)
{
    /// <summary>The largest number of PGD iterations a spec may ask for.</summary>
    public const int MaxSteps = 1_000_000;

    /// <summary>Throws <see cref="ArgumentException"/> with one line naming the first bad value; returns this for chaining.</summary>
    public AttackSettings Validate()
    {
        if (!Enum.IsDefined(Norm))
            throw new ArgumentException($"attack.norm {(int)Norm} is not one of {Names.Norm.Choices}");
        if (Norm != ThreatModel.L2Unbounded && !(double.IsFinite(Eps) && Eps > 0))
            throw new ArgumentException($"attack.eps = {Format(Eps)} must be a positive number for {Names.Norm.Of(Norm)}");
        if (!(double.IsFinite(StepSize) && StepSize > 0))
            throw new ArgumentException($"attack.step-size = {Format(StepSize)} must be a positive number");
        // Zero steps is a valid attack (the start point only, e.g. a random start); specs ask for at least one.
        if (Steps is < 0 or > MaxSteps)
            throw new ArgumentException($"attack.steps = {Steps} must be between 0 and {MaxSteps}");
        return this;
    }

    /// <summary>One line for logs and reports, e.g. <c>l2 eps 0.5, 100 steps of 0.1</c>.</summary>
    public string Describe() =>
        Norm == ThreatModel.L2Unbounded
            ? $"{Names.Norm.Of(Norm)}, {Steps} steps of {Format(StepSize)}"
            : $"{Names.Norm.Of(Norm)} eps {Format(Eps)}, {Steps} steps of {Format(StepSize)}";

    private static string Format(double value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}
