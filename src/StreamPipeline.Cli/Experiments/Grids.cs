using StreamPipeline.Cli.Inspection;

namespace StreamPipeline.Cli.Experiments;

/// <summary>Writes OUTDIR/grids/&lt;construction&gt;.png: source beside constructed examples of each built dataset.</summary>
public static class Grids
{
    public static async Task WriteAsync(ExperimentRunner runner, string outDir, string? dataRoot, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.Combine(outDir, "grids"));
        foreach (var kind in Enum.GetValues<ConstructionKind>())
        {
            var name = Names.Construction.Of(kind);
            var png = Path.Combine(outDir, "grids", name + ".png");
            await JobInspector.RunAsync(new InspectRequest(runner.DatasetDir(kind), png, new GridSettings(), dataRoot), ct);
        }
    }
}
