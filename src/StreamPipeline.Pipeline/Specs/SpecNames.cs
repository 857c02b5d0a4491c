using StreamPipeline.Attacks;

namespace StreamPipeline.Pipeline.Specs;

/// <summary>The spelling of spec enums in HOCON, JSON and on the command line.</summary>
public static class SpecNames
{
    public static string Of(ConstructionKind kind) => AttackPresets.ConstructionName(kind);

    public static string Of(ThreatModel norm) => AttackPresets.NormName(norm);

    public static string Of(StartMode mode) => mode switch
    {
        StartMode.OtherImage => "other-image",
        StartMode.Noise => "noise",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };

    public static ConstructionKind ParseConstruction(string text) => text.Trim().ToLowerInvariant() switch
    {
        "det" => ConstructionKind.Det,
        "rand" => ConstructionKind.Rand,
        "robust" => ConstructionKind.Robust,
        "nonrobust" or "non-robust" => ConstructionKind.NonRobust,
        _ => throw new ArgumentException($"construction '{text}' is not one of det|rand|robust|nonrobust"),
    };

    public static ThreatModel ParseNorm(string text) =>
        text.Trim().ToLowerInvariant() is "l2" or "linf" or "l2-unbounded"
            ? AttackPresets.ParseNorm(text)
            : throw new ArgumentException($"attack.norm '{text}' is not one of l2|linf|l2-unbounded");

    public static StartMode ParseStartMode(string text) => text.Trim().ToLowerInvariant() switch
    {
        "other-image" => StartMode.OtherImage,
        "noise" => StartMode.Noise,
        _ => throw new ArgumentException($"start-mode '{text}' is not one of other-image|noise"),
    };

    public static bool IsRepresentationMatching(ConstructionKind kind) =>
        kind is ConstructionKind.Robust or ConstructionKind.NonRobust;
}
