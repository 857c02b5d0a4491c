using StreamPipeline.Attacks;

namespace StreamPipeline.Pipeline.Specs;

/// <summary>The spelling of spec enums in HOCON, JSON and on the command line.</summary>
public static class SpecNames
{
    public static string Of(ConstructionKind kind) => kind switch
    {
        ConstructionKind.Det => "det",
        ConstructionKind.Rand => "rand",
        ConstructionKind.Robust => "robust",
        ConstructionKind.NonRobust => "nonrobust",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static string Of(AttackNorm norm) => norm switch
    {
        AttackNorm.L2 => "l2",
        AttackNorm.Linf => "linf",
        AttackNorm.L2Unbounded => "l2-unbounded",
        _ => throw new ArgumentOutOfRangeException(nameof(norm), norm, null),
    };

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

    public static AttackNorm ParseNorm(string text) => text.Trim().ToLowerInvariant() switch
    {
        "l2" => AttackNorm.L2,
        "linf" => AttackNorm.Linf,
        "l2-unbounded" => AttackNorm.L2Unbounded,
        _ => throw new ArgumentException($"attack.norm '{text}' is not one of l2|linf|l2-unbounded"),
    };

    public static StartMode ParseStartMode(string text) => text.Trim().ToLowerInvariant() switch
    {
        "other-image" => StartMode.OtherImage,
        "noise" => StartMode.Noise,
        _ => throw new ArgumentException($"start-mode '{text}' is not one of other-image|noise"),
    };

    public static bool IsRepresentationMatching(ConstructionKind kind) =>
        kind is ConstructionKind.Robust or ConstructionKind.NonRobust;
}
