using System.CommandLine;
using StreamPipeline.Experiment;
using StreamPipeline.Cli.Presentation;

namespace StreamPipeline.Cli.Commands;

/// <summary><c>stream-pipeline experiment</c>: the paper's pipeline end to end, resumable step by step.</summary>
public static class ExperimentCommand
{
    public const string DefaultSpec = "config/experiments/fashion-mnist.conf";

    public static Command Create()
    {
        var outDir = new Argument<string>("OUTDIR") { Description = "Output folder: models/, datasets/, evals/, grids/, plots/, results.md, results.csv, results-transfer.csv. Re-run to resume." };
        var spec = new Option<string?>("--spec") { Description = $"Experiment spec (HOCON). Default: {DefaultSpec} (next to the program or in the working directory)." };
        var quick = new Option<bool>("--quick") { Description = "The spec's reduced variant: fewer images and steps (about 10 minutes on 2 CPU cores)." };
        var dataRoot = CommonOptions.DataRoot();
        var threads = CommonOptions.Threads();
        var metrics = Telemetry.ExporterOption();
        var interval = Telemetry.IntervalOption();
        var quiet = CommonOptions.Quiet();
        var command = new Command("experiment",
            "Reproduce the paper's pattern: train standard and robust models, build D_det, D_rand, D_NR, D_R, train fresh models on them and " +
            "evaluate on the original test set; then transfer across architectures (Figure 3) and robust accuracy across eps (Figure 2, right), drawn in plots/.")
        {
            outDir, spec, quick, dataRoot, threads, metrics, interval, quiet,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async token =>
        {
            CommonOptions.ApplyThreads(parse.GetValue(threads));
            var specPath = parse.GetValue(spec) ?? FindDefaultSpec();
            var resolved = ExperimentSpec.Load(specPath, parse.GetValue(quick));
            using var session = Telemetry.Create(parse.GetValue(metrics)!, parse.GetValue(interval));
            await new ExperimentRunner(resolved, parse.GetValue(outDir)!, parse.GetValue(dataRoot), new LiveSteps(Terminal.Choose(parse.GetValue(quiet)))).RunAsync(token);
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    private static string FindDefaultSpec()
    {
        foreach (var dir in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var d = new DirectoryInfo(dir); d is not null; d = d.Parent)
            {
                var candidate = Path.Combine(d.FullName, DefaultSpec);
                if (File.Exists(candidate)) return candidate;
            }
        }
        throw new FileNotFoundException($"no --spec given and {DefaultSpec} not found above the working directory or the program");
    }
}
