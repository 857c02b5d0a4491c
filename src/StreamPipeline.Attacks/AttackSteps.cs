namespace StreamPipeline.Attacks;

/// <summary>Creates the step object for a threat model.</summary>
public static class AttackSteps
{
    public static IAttackStep Create(ThreatModel norm, float eps, float stepSize) => norm switch
    {
        ThreatModel.L2 => new L2Step(eps, stepSize),
        ThreatModel.Linf => new LinfStep(eps, stepSize),
        ThreatModel.L2Unbounded => new UnboundedL2Step(stepSize),
        _ => throw new ArgumentOutOfRangeException(nameof(norm), norm, "unknown threat model"),
    };

    /// <summary>
    /// The step object of <paramref name="settings"/>. The one place settings (doubles, as written in specs) meet the
    /// float32 tensors: libtorch would apply each scalar to a float tensor in float32 anyway.
    /// </summary>
    public static IAttackStep Create(AttackSettings settings) => Create(settings.Norm, (float)settings.Eps, (float)settings.StepSize);
}
