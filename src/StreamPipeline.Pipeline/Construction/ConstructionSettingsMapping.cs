using StreamPipeline.Pipeline.Specs;

namespace StreamPipeline.Pipeline.Construction;

/// <summary>Turns a job spec's attack section into the attack engine's settings (the one place the two meet).</summary>
public static class ConstructionSettingsMapping
{
    public static ConstructionSettings ToConstructionSettings(this JobSpec spec)
    {
        // Constructions minimise their objective and keep each example's best iterate.
        var attack = new AttackSettings(spec.Attack.Norm, (float)spec.Attack.Eps, (float)spec.Attack.StepSize, spec.Attack.Steps,
            spec.Attack.RandomStart, KeepBest: true, Targeted: true);
        return new ConstructionSettings(spec.Construction, attack, spec.Seed, spec.StartMode).Validate();
    }
}
