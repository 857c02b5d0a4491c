using StreamPipeline.Attacks;
using StreamPipeline.Cli.Commands;
using StreamPipeline.Cli.Inspection;
using StreamPipeline.Pipeline.Specs;

namespace StreamPipeline.Cli.Experiments;

/// <summary>Writes OUTDIR/grids/&lt;construction&gt;.png: source beside constructed examples of each built dataset.</summary>
public static class Grids
{
    public static async Task WriteAsync(ExperimentRunner runner, string outDir, string? dataRoot, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.Combine(outDir, "grids"));
        foreach (var kind in Enum.GetValues<ConstructionKind>())
        {
            var name = SpecNames.Of(kind);
            var png = Path.Combine(outDir, "grids", name + ".png");
            await InspectCommand.RunAsync(new InspectCommand.InspectRequest(runner.DatasetDir(kind), png, new GridSettings(), dataRoot), ct);
        }
    }
}
