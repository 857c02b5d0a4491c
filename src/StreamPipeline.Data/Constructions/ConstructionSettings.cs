namespace StreamPipeline.Data.Constructions;

/// <summary>
/// Everything a construction needs besides the model and the data: which construction, its PGD settings, the job
/// seed (per-example streams derive from it), the start mode of representation matching, and the relative
/// representation distance below which representation matching counts as a success.
/// </summary>
public sealed record ConstructionSettings(
    ConstructionKind Kind,
    AttackSettings Attack,
    long Seed,
    StartMode StartMode = StartMode.OtherImage,
    float SuccessThreshold = 0.1f)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad value; returns this for chaining.</summary>
    public ConstructionSettings Validate()
    {
        if (!Enum.IsDefined(Kind))
            throw new ArgumentException($"construction {(int)Kind} is not a known construction", nameof(Kind));
        if (!Enum.IsDefined(StartMode))
            throw new ArgumentException($"start mode {(int)StartMode} is not a known start mode", nameof(StartMode));
        Attack.Validate();
        // Every construction minimises its objective (cross-entropy toward t, or distance to g(x)).
        if (!Attack.Targeted)
            throw new ArgumentException($"construction {Kind} minimises its objective: attack targeted must be true", nameof(Attack));
        if (!(float.IsFinite(SuccessThreshold) && SuccessThreshold > 0))
            throw new ArgumentException($"success threshold must be a positive finite number, got {SuccessThreshold}", nameof(SuccessThreshold));
        return this;
    }
}
