using System.CommandLine;
using StreamPipeline.Cli.Inspection;
using StreamPipeline.Data;

namespace StreamPipeline.Cli.Commands;

/// <summary><c>stream-pipeline inspect</c>: progress and statistics of a running or finished build, and an optional PNG grid of examples.</summary>
public static class InspectCommand
{
    public static Command Create()
    {
        var jobDir = new Argument<string>("JOBDIR") { Description = "Job directory of a build, running or finished (read only; a running build is not disturbed)." };
        var grid = new Option<string?>("--grid") { HelpName = "FILE.png", Description = "Also write a PNG of examples: source | constructed | amplified difference, with source and new labels." };
        var gridRows = new Option<int?>("--grid-rows") { HelpName = "N", Description = "Examples in the --grid image (default 8)." };
        var dataRoot = CommonOptions.DataRoot();
        var json = CommonOptions.Json();

        var command = new Command("inspect", "Show a build's progress and the statistics of its committed shards; --grid draws examples.")
        {
            jobDir, grid, gridRows, dataRoot, json,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async token =>
        {
            if (parse.GetValue(gridRows) is not null && parse.GetValue(grid) is null)
                throw new UsageException("--grid-rows needs --grid FILE.png");
            var request = new InspectRequest(parse.GetValue(jobDir)!, parse.GetValue(grid),
                new GridSettings(Rows: parse.GetValue(gridRows) ?? 8).Validated(), parse.GetValue(dataRoot));
            var result = await RunAsync(request, token);
            foreach (var line in InspectionReport.ToText(result.Inspection)) Console.Error.WriteLine(line);
            if (result.Grid is { } g)
                Console.Error.WriteLine($"  grid        {request.Grid} ({g.Rows.Count} examples from shards {string.Join(",", g.Rows.Select(r => r.Shard).Distinct())}, images x{g.Scale})");
            if (parse.GetValue(json))
                Console.WriteLine(InspectionReport.ToJson(result.Inspection, result.Grid is null ? null : Path.GetFullPath(request.Grid!)).ToJsonString());
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    /// <param name="Grid">Path of the PNG to write; null for none.</param>
    /// <param name="DataRoot">Root of fashion-mnist: references, to read the source images for the grid.</param>
    public sealed record InspectRequest(string JobDir, string? Grid, GridSettings GridSettings, string? DataRoot);

    /// <summary>The inspection, and the grid when one was written.</summary>
    public sealed record InspectResult(JobInspection Inspection, GridImage? Grid);

    /// <summary>Inspects the job and, when asked, renders and writes the grid; nothing in the job directory is changed.</summary>
    public static async Task<InspectResult> RunAsync(InspectRequest request, CancellationToken ct)
    {
        if (request.Grid is not null) ExampleGrid.CheckDestination(request.Grid);
        // One manifest snapshot for the numbers and the grid: a running build may commit more shards meanwhile.
        var manifest = JobInspector.ReadManifest(request.JobDir);
        var inspection = await JobInspector.InspectAsync(request.JobDir, manifest, ct);
        if (request.Grid is null) return new InspectResult(inspection, null);

        using var source = DatasetReference.Open(manifest.DataRef, new DatasetOptions(request.DataRoot));
        var image = await ExampleGrid.BuildAsync(request.JobDir, manifest, source, request.GridSettings, ct);
        ExampleGrid.Write(request.Grid, image);
        return new InspectResult(inspection, image);
    }
}
