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

    public static IAttackStep Create(AttackSettings settings) => Create(settings.Norm, settings.Eps, settings.StepSize);
}
