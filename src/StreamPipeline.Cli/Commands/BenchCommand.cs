using System.CommandLine;
using StreamPipeline.Cli.Benchmarking;
using StreamPipeline.Cli.Presentation;

namespace StreamPipeline.Cli.Commands;

/// <summary><c>stream-pipeline bench</c>: PGD throughput of a bare TorchSharp loop against the full build pipeline, on the same model, batches and data.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var defaults = BenchSettings.Default;
        var json = CommonOptions.Json();
        var model = new Option<string?>("--model")
        {
            Description = "Checkpoint to attack. Default: a freshly initialised small-cnn saved to a temporary checkpoint " +
                          "(the cost of PGD does not depend on the weights, only on the architecture and the input size).",
        };
        var data = new Option<string>("--data") { Description = "Source dataset reference.", DefaultValueFactory = _ => defaults.Data };
        var limit = new Option<long>("--limit") { Description = "Images attacked in each phase (the first N).", DefaultValueFactory = _ => defaults.Limit };
        var batch = new Option<int>("--batch-size") { Description = "Examples per device batch.", DefaultValueFactory = _ => defaults.BatchSize };
        var shard = new Option<int?>("--shard-size") { Description = "Examples per shard file in the pipeline phase (default: the job default, 1024)." };
        var steps = new Option<int>("--steps") { Description = "PGD iterations.", DefaultValueFactory = _ => defaults.Steps };
        var eps = new Option<double?>("--eps") { Description = "L2 radius of the eps-ball (default: the data's preset, config/presets/)." };
        var stepSize = new Option<double?>("--step-size") { Description = "PGD step size (default: the data's preset)." };
        var devices = new Option<string>("--devices") { Description = "auto | cpu | cuda:0,cuda:1 | cpu,cpu (one worker, and one bare-loop thread, per entry).", DefaultValueFactory = _ => "auto" };
        var repeat = new Option<int>("--repeat") { Description = "Rounds of (bare loop, pipeline), alternating; the best of each is reported.", DefaultValueFactory = _ => defaults.Repeat };
        var dataRoot = CommonOptions.DataRoot();
        var threads = CommonOptions.Threads();
        var quiet = CommonOptions.Quiet();

        var command = new Command("bench",
            "Measure image-PGD-steps per second of (a) a bare TorchSharp PGD loop on one dedicated thread per device, data in memory, " +
            "and (b) the full build pipeline (Parquet output) on the same model, batches and data (D_det, L2); print both, their ratio " +
            "(target pipeline/bare >= 0.90), peak RSS after each phase, Parquet write MB/s and the device's busy share. Each phase is " +
            "warmed up on a small batch first. Defaults take about a minute on a quiet 2-core CPU.")
        {
            json, model, data, limit, batch, shard, steps, eps, stepSize, devices, repeat, dataRoot, threads, quiet,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async token =>
        {
            CommonOptions.ApplyThreads(parse.GetValue(threads));
            var settings = new BenchSettings(
                parse.GetValue(model), parse.GetValue(data)!, parse.GetValue(dataRoot), parse.GetValue(limit), parse.GetValue(batch),
                parse.GetValue(shard), parse.GetValue(steps), parse.GetValue(eps), parse.GetValue(stepSize),
                parse.GetValue(devices)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
                parse.GetValue(repeat));
            // The rounds and the pipeline's own view are bench's progress; the report below is its summary.
            var display = parse.GetValue(quiet) ? DisplayMode.Quiet : DisplayMode.Plain;
            var report = await BenchRunner.RunAsync(settings, display, line => { if (display != DisplayMode.Quiet) Console.Error.WriteLine(line); }, token);
            foreach (var line in report.ToText()) Console.Error.WriteLine(line);
            if (parse.GetValue(json)) Console.WriteLine(report.ToJson());
            return ExitCodes.Success;
        }, ct));
        return command;
    }
}
