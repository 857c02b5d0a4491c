using StreamPipeline.Application.Inspection;

namespace StreamPipeline.Experiment;

/// <summary>Writes OUTDIR/grids/&lt;construction&gt;.png: source beside constructed examples of each built dataset.</summary>
public static class Grids
{
    /// <summary>The grid's path of <paramref name="kind"/>, relative to OUTDIR (as the report links it).</summary>
    public static string RelativePath(ConstructionKind kind) => Path.Combine("grids", Names.Construction.Of(kind) + ".png");

    /// <summary>Writes every grid; returns each inspection (the dataset's statistics and the rows the grid shows).</summary>
    public static async Task<IReadOnlyDictionary<ConstructionKind, InspectResult>> WriteAsync(ExperimentRunner runner, string outDir, string? dataRoot,
        CancellationToken ct)
    {
        Directory.CreateDirectory(Path.Combine(outDir, "grids"));
        var results = new Dictionary<ConstructionKind, InspectResult>();
        foreach (var kind in Enum.GetValues<ConstructionKind>())
        {
            var png = Path.Combine(outDir, RelativePath(kind));
            results[kind] = await JobInspector.RunAsync(new InspectRequest(runner.DatasetDir(kind), png, new GridSettings(), dataRoot), ct);
        }
        return results;
    }
}
