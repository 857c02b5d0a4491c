using System.CommandLine;
using StreamPipeline.Application.Inspection;
using StreamPipeline.Cli.Presentation;
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
            var result = await JobInspector.RunAsync(request, token);
            // The report is the command's output (stdout, so `inspect JOB > report.txt` keeps it); with --json, stdout
            // holds the one JSON object and the text goes to stderr.
            var report = parse.GetValue(json) ? Console.Error : Console.Out;
            foreach (var line in InspectionReport.ToText(result.Inspection)) report.WriteLine(line);
            if (result.Grid is { } g)
                report.WriteLine($"  grid        {request.Grid} ({g.Rows.Count} examples from shards {string.Join(",", g.Rows.Select(r => r.Shard).Distinct())}, images x{g.Scale})");
            if (parse.GetValue(json))
                Console.WriteLine(InspectionReport.ToJson(result.Inspection, result.Grid is null ? null : Path.GetFullPath(request.Grid!)).ToJsonString());
            return ExitCodes.Success;
        }, ct));
        return command;
    }
}
