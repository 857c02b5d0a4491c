namespace StreamPipeline.Data.Constructions;

/// <summary>The one spelling of each enum of the constructions (specs, flags, JSON, metadata, reports).</summary>
public static class Names
{
    public static NameMap<ConstructionKind> Construction { get; } = new("construction", new Dictionary<ConstructionKind, string>
    {
        [ConstructionKind.Det] = "det",
        [ConstructionKind.Rand] = "rand",
        [ConstructionKind.Robust] = "robust",
        [ConstructionKind.NonRobust] = "nonrobust",
    }, new Dictionary<string, ConstructionKind> { ["non-robust"] = ConstructionKind.NonRobust });

    public static NameMap<ThreatModel> Norm { get; } = new("attack.norm", new Dictionary<ThreatModel, string>
    {
        [ThreatModel.L2] = "l2",
        [ThreatModel.Linf] = "linf",
        [ThreatModel.L2Unbounded] = "l2-unbounded",
    });

    public static NameMap<StartMode> StartMode { get; } = new("start-mode", new Dictionary<StartMode, string>
    {
        [Constructions.StartMode.OtherImage] = "other-image",
        [Constructions.StartMode.Noise] = "noise",
    });

    /// <summary>The paper's name of a construction: D_det, D_rand, D_R, D_NR.</summary>
    public static string Paper(ConstructionKind kind) => kind switch
    {
        ConstructionKind.Det => "D_det",
        ConstructionKind.Rand => "D_rand",
        ConstructionKind.Robust => "D_R",
        ConstructionKind.NonRobust => "D_NR",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
