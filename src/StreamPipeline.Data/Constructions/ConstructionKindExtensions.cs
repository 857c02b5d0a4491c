namespace StreamPipeline.Data.Constructions;

/// <summary>Facts about a construction that several layers ask.</summary>
public static class ConstructionKindExtensions
{
    /// <summary>D_R and D_NR match a representation from a start image; D_det and D_rand attack toward a target class.</summary>
    public static bool IsRepresentationMatching(this ConstructionKind kind) =>
        kind is ConstructionKind.Robust or ConstructionKind.NonRobust;
}
