namespace StreamPipeline.Attacks;

/// <summary>Creates the construction named by the settings.</summary>
public static class Constructions
{
    public static IConstruction Create(ConstructionSettings settings) => settings.Kind switch
    {
        ConstructionKind.Det => new DeterministicTarget(settings),
        ConstructionKind.Rand => new RandomTarget(settings),
        ConstructionKind.Robust or ConstructionKind.NonRobust => new RepresentationMatch(settings),
        _ => throw new ArgumentException($"construction {(int)settings.Kind} is not a known construction", nameof(settings)),
    };
}
