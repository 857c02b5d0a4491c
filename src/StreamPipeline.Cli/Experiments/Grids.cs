using StreamPipeline.Attacks;

namespace StreamPipeline.Cli.Experiments;

/// <summary>Writes OUTDIR/grids/&lt;construction&gt;.png: source beside constructed examples of each built dataset.</summary>
public static class Grids
{
    public static void Write(ExperimentRunner runner, ExperimentSpec spec, string? dataRoot, CancellationToken ct)
    {
        // Filled in when the inspect command's grid renderer lands.
        _ = runner; _ = spec; _ = dataRoot; _ = ct;
        _ = ConstructionKind.Det;
    }
}
