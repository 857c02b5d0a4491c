namespace StreamPipeline.Attacks;

/// <summary>
/// Parameters of one PGD run. <see cref="Eps"/> is ignored for <see cref="ThreatModel.L2Unbounded"/>.
/// <see cref="Targeted"/> = minimise the objective (the constructions); false = maximise it (untargeted attacks).
/// <see cref="KeepBest"/> returns each example's best iterate instead of the last one.
/// </summary>
public sealed record AttackSettings(
    ThreatModel Norm,
    float Eps,
    float StepSize,
    int Steps,
    bool RandomStart = false,
    bool KeepBest = true,
    bool Targeted = true)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad value; returns this for chaining.</summary>
    public AttackSettings Validate()
    {
        if (!Enum.IsDefined(Norm))
            throw new ArgumentException($"attack norm {(int)Norm} is not a known threat model", nameof(Norm));
        if (Norm != ThreatModel.L2Unbounded && !(float.IsFinite(Eps) && Eps > 0))
            throw new ArgumentException($"attack eps must be a positive finite number for {Norm}, got {Eps}", nameof(Eps));
        if (!(float.IsFinite(StepSize) && StepSize > 0))
            throw new ArgumentException($"attack step-size must be a positive finite number, got {StepSize}", nameof(StepSize));
        if (Steps < 0)
            throw new ArgumentException($"attack steps must be zero or more, got {Steps}", nameof(Steps));
        return this;
    }
}
