using StreamPipeline.Attacks;
using StreamPipeline.Pipeline.Specs;

namespace StreamPipeline.Pipeline.Construction;

/// <summary>Turns a job spec's attack section into the attack engine's settings (the one place the two meet).</summary>
public static class ConstructionSettingsMapping
{
    public static ConstructionSettings ToConstructionSettings(this JobSpec spec)
    {
        var norm = spec.Attack.Norm switch
        {
            AttackNorm.L2 => ThreatModel.L2,
            AttackNorm.Linf => ThreatModel.Linf,
            AttackNorm.L2Unbounded => ThreatModel.L2Unbounded,
            _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Attack.Norm, "unknown attack norm"),
        };
        var start = spec.StartMode switch
        {
            Specs.StartMode.OtherImage => Attacks.StartMode.OtherImage,
            Specs.StartMode.Noise => Attacks.StartMode.Noise,
            _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.StartMode, "unknown start mode"),
        };
        // Constructions minimise their objective and keep each example's best iterate.
        var attack = new Attacks.AttackSettings(norm, (float)spec.Attack.Eps, (float)spec.Attack.StepSize, spec.Attack.Steps,
            spec.Attack.RandomStart, KeepBest: true, Targeted: true);
        return new ConstructionSettings(spec.Construction, attack, spec.Seed, start).Validate();
    }
}
