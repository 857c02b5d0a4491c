using System.Globalization;
using System.Text.Json;
using StreamPipeline.Experiment;
using StreamPipeline.Experiment.Reporting;
using StreamPipeline.Cli.Tests.Build;
using StreamPipeline.Data;

namespace StreamPipeline.Cli.Tests;

/// <summary>
/// The experiment end to end on real Fashion-MNIST with the smoke spec (tiny numbers): every step runs, the reports have
/// the paper's shape, and a second run resumes by skipping every finished step and writes the same table.
/// </summary>
public sealed class ExperimentSmokeTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Smoke_experiment_writes_the_results_table_and_a_rerun_skips_every_step()
    {
        var spec = Path.Combine(RepositoryRoot.Path, "config", "experiments", "smoke.conf");
        var outDir = _dir.File("exp");
        var first = CliProcess.Run(_dir.Path, TimeSpan.FromMinutes(10), "experiment", outDir, "--spec", spec);
        Assert.True(first.ExitCode == 0, first.Stderr);

        var csv = File.ReadAllLines(Path.Combine(outDir, "results.csv"));
        Assert.Equal("training_set,built_from,accuracy,robust_accuracy,examples,authors_cifar10_accuracy,authors_cifar10_robust_accuracy", csv[0]);
        var names = csv.Skip(1).Select(l => l.Split(',')[0]).ToArray();
        Assert.Equal(["standard", "robust", "trained-on-robust", "trained-on-nonrobust", "trained-on-rand", "trained-on-det"], names);
        foreach (var line in csv.Skip(1))
        {
            var fields = line.Split(',');
            var accuracy = double.Parse(fields[2], CultureInfo.InvariantCulture);
            var robust = double.Parse(fields[3], CultureInfo.InvariantCulture);
            Assert.InRange(accuracy, 0, 1);
            Assert.InRange(robust, 0, 1);
        }
        var markdown = File.ReadAllText(Path.Combine(outDir, "results.md"));
        Assert.Contains("| D_det (deterministic targets) |", markdown);
        Assert.Contains("43.7%", markdown);
        // Every row carries the authors' figures, each with a source the report lists.
        foreach (var row in ExperimentRunner.Rows)
        {
            var line = Assert.Single(markdown.Split('\n'), l => l.StartsWith($"| {row.Label} |", StringComparison.Ordinal));
            Assert.EndsWith($"| {row.Authors.Accuracy} [{row.Authors.AccuracySource}] | {row.Authors.RobustAccuracy} [{row.Authors.RobustSource}] |", line);
            Assert.Contains($"- [{row.Authors.AccuracySource}] ", markdown);
            Assert.Contains($"- [{row.Authors.RobustSource}] ", markdown);
        }
        Assert.Contains("## Wall time per step", markdown);
        foreach (var kind in new[] { "det", "rand", "robust", "nonrobust" })
        {
            Assert.True(File.Exists(Path.Combine(outDir, "datasets", kind, "manifest.json")), kind);
            Assert.True(File.Exists(Path.Combine(outDir, "grids", kind + ".png")), kind + " grid");
            Assert.Contains($"](grids/{kind}.png)", markdown);
        }
        // The report opens with the figures: both plots are shown inline before the first table, their CSVs linked.
        var firstTable = markdown.IndexOf("| training set |", StringComparison.Ordinal);
        foreach (var plot in new[] { "robustness", "transfer" })
        {
            var image = markdown.IndexOf($"](plots/{plot}.png)", StringComparison.Ordinal);
            Assert.InRange(image, 0, firstTable);
            Assert.Contains($"](plots/{plot}.csv)", markdown);
            Assert.Equal(new ImageShape(3, 600, 900), new RenderedPng(Path.Combine(outDir, "plots", plot + ".png")).Shape);
        }
        Assert.Contains("## Transfer across architectures", markdown);
        Assert.Contains("Pearson r", markdown);
        AssertPlotCsvsHoldTheEvaluations(outDir);

        // Run again with OUTDIR relative to the working directory (as the quickstart does): everything is skipped, and
        // the rewritten report still links its figures relative to itself.
        var second = CliProcess.Run(_dir.Path, TimeSpan.FromMinutes(5), "experiment", Path.GetRelativePath(_dir.Path, outDir), "--spec", spec);
        Assert.True(second.ExitCode == 0, second.Stderr);
        var rewritten = File.ReadAllText(Path.Combine(outDir, "results.md"));
        foreach (var link in new[] { "](plots/robustness.png)", "](plots/transfer.csv)", "](grids/det.png)" })
            Assert.Contains(link, rewritten);
        Assert.Contains("standard model done, skipped", second.Stderr);
        Assert.Contains("evaluation of trained-on-det done, skipped", second.Stderr);
        Assert.Contains("transfer-target-small-cnn model done, skipped", second.Stderr);
        Assert.Contains("transfer evaluation done, skipped", second.Stderr);
        Assert.Contains("robustness curve of trained-on-det done, skipped", second.Stderr);
        Assert.DoesNotContain("train: done", second.Stderr);
        Assert.Equal(csv, File.ReadAllLines(Path.Combine(outDir, "results.csv")));
    }

    [Fact]
    public void Experiment_killed_during_a_build_and_run_again_writes_the_same_results_as_an_uninterrupted_run()
    {
        // The smoke spec with a D_det build long enough (12 shards of 16 images, 20 steps) to be caught half done.
        var spec = _dir.File("kill.conf");
        var smoke = Path.Combine(RepositoryRoot.Path, "config", "experiments", "smoke.conf").Replace("\\", "/");
        File.WriteAllText(spec, $$"""
            experiment {
              base = "{{smoke}}"
              build { shard-size = 16, det { images = 192, steps = 20 } }
            }
            """);
        var uninterrupted = _dir.File("uninterrupted");
        var clean = CliProcess.Run(_dir.Path, TimeSpan.FromMinutes(10), "experiment", uninterrupted, "--spec", spec);
        Assert.True(clean.ExitCode == 0, clean.Stderr);

        var resumed = _dir.File("resumed");
        var manifest = Path.Combine(resumed, "datasets", "det", "manifest.json");
        using (var running = RunningCli.Start(_dir.Path, "experiment", resumed, "--spec", spec))
        {
            var caught = running.WaitUntil(() => DoneShards(manifest) is > 0 and < 12, TimeSpan.FromMinutes(5));
            running.Kill();
            Assert.True(caught, "the D_det build was never seen half done: " + running.Stderr);
        }
        Assert.InRange(DoneShards(manifest), 1, 11);
        var again = CliProcess.Run(_dir.Path, TimeSpan.FromMinutes(10), "experiment", resumed, "--spec", spec);
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Contains("resuming with", again.Stderr);

        Assert.Equal(File.ReadAllLines(Path.Combine(uninterrupted, "results.csv")), File.ReadAllLines(Path.Combine(resumed, "results.csv")));
    }

    [Fact]
    public void Source_models_imported_from_pytorch_checkpoints_replace_their_training_and_the_report_says_so()
    {
        // Two small-cnns written by real PyTorch: the standard one as a plain state_dict, the robust one in the
        // robustness library's layout (module./attacker. prefixes, normalizer, optimizer state, dill-pickled).
        var standard = _dir.File("standard-torch.pt");
        var robust = _dir.File("robust-torch.pt");
        StreamPipeline.Tests.Shared.TorchReference.Make("small-cnn", "plain", "1,28,28", standard, _dir.File("standard-torch.json"), images: 1);
        StreamPipeline.Tests.Shared.TorchReference.Make("small-cnn", "robustness", "1,28,28", robust, _dir.File("robust-torch.json"), images: 1);
        var smoke = Path.Combine(RepositoryRoot.Path, "config", "experiments", "smoke.conf").Replace("\\", "/");
        var spec = _dir.File("imported.conf");
        File.WriteAllText(spec, $$"""
            experiment {
              base = "{{smoke}}"
              train-images = 256
              test-images = 64
              standard.import { file = "{{standard}}" }
              robust.import { file = "{{robust}}", architecture = small-cnn }
              build { images = 32, robust.images = 32, nonrobust.images = 32 }
              transfer { architectures = [small-cnn] }
              robustness-curve { eps = [0] }
            }
            """);
        var outDir = _dir.File("imported");

        var run = CliProcess.Run(_dir.Path, TimeSpan.FromMinutes(10), "experiment", outDir, "--spec", spec);

        Assert.True(run.ExitCode == 0, run.Stderr);
        var steps = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "steps.json"))).RootElement.EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("import-standard", steps);
        Assert.Contains("import-robust", steps);
        Assert.DoesNotContain("train-standard", steps);
        Assert.DoesNotContain("train-robust", steps);
        foreach (var (name, file, layout) in new[] { ("standard", standard, "plain"), ("robust", robust, "robustness") })
        {
            var imported = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "models", name + ".pt.json"))).RootElement.GetProperty("imported_from");
            Assert.Equal(StreamPipeline.Data.Files.FileChecksum.Sha256Of(file), imported.GetProperty("sha256").GetString());
            Assert.Contains(layout, imported.GetProperty("layout").GetString(), StringComparison.OrdinalIgnoreCase);
        }
        // D_R was built from the imported robust model: its manifest names that checkpoint's SHA-256.
        var robustJob = Build.JobManifest.Read(Path.Combine(outDir, "datasets", "robust"));
        Assert.All(robustJob.Shards, s => Assert.True(s.IsDone));
        var markdown = File.ReadAllText(Path.Combine(outDir, "results.md"));
        Assert.Contains($"robust imported from {robust} (small-cnn)", markdown);
        Assert.Contains($"standard imported from {standard} (small-cnn)", markdown);
    }

    /// <summary>
    /// The plots' CSVs hold exactly the numbers of the evaluations, read here from the JSON files with an independent
    /// reader: per training set and eps the swept robust accuracy; per architecture the accuracy of its D_det model and
    /// the transfer success of its target. (The Reporting tests check the PNG shows exactly its CSV.)
    /// </summary>
    private static void AssertPlotCsvsHoldTheEvaluations(string outDir)
    {
        static JsonElement Json(string path) => JsonDocument.Parse(File.ReadAllText(path)).RootElement;

        var curves = RobustnessCurves.ReadCsv(Path.Combine(outDir, "plots", "robustness.csv"));
        var expectedCurves = ExperimentRunner.Rows.SelectMany(row =>
        {
            var curve = Json(Path.Combine(outDir, "evals", "robustness", row.Name + ".json"));
            var n = curve.GetProperty("examples").GetInt64();
            return curve.GetProperty("points").EnumerateArray()
                .Select(p => new RobustnessCurvePoint(row.Label, p.GetProperty("eps").GetDouble(), p.GetProperty("robust_accuracy").GetDouble(), n));
        }).ToList();
        Assert.Equal(6 * 3, expectedCurves.Count);
        Assert.Equal(expectedCurves, curves.Select(c => c.Point));
        // Each point's interval is the 95% Wilson interval of its accuracy over its n images.
        Assert.All(curves, c => Assert.Equal(WilsonInterval.Of(c.Point.RobustAccuracy, c.Point.Examples), (c.Low, c.High)));

        var transfer = Json(Path.Combine(outDir, "evals", "transfer.json"));
        var rows = TransferPlot.ReadCsv(Path.Combine(outDir, "plots", "transfer.csv"));
        var points = rows.Select(r => r.Point).ToList();
        var targets = transfer.GetProperty("targets").EnumerateArray().ToList();
        Assert.Equal(["mlp", "small-cnn"], points.Select(p => p.Architecture));
        Assert.Equal(targets.Select(t => t.GetProperty("architecture").GetString()), points.Select(p => p.Architecture));
        Assert.Equal(targets.Select(t => t.GetProperty("transfer_success").GetDouble()), points.Select(p => p.TransferSuccess));
        Assert.All(points, p => Assert.Equal(transfer.GetProperty("examples").GetInt64(), p.TransferExamples));
        // x: the small-cnn (the spec's architecture) reuses the results table's trained-on-det; others have their own.
        var detEvals = new[] { Json(Path.Combine(outDir, "evals", "trained-on-det-mlp.json")), Json(Path.Combine(outDir, "evals", "trained-on-det.json")) };
        Assert.Equal(detEvals.Select(e => e.GetProperty("accuracy").GetDouble()), points.Select(p => p.DetAccuracy));
        Assert.Equal(detEvals.Select(e => e.GetProperty("examples").GetInt64()), points.Select(p => p.DetExamples));
        Assert.All(rows, r => Assert.Equal(WilsonInterval.Of(r.Point.DetAccuracy, r.Point.DetExamples), r.DetInterval));
        Assert.All(rows, r => Assert.Equal(WilsonInterval.Of(r.Point.TransferSuccess, r.Point.TransferExamples), r.TransferInterval));
        Assert.Equal(64, transfer.GetProperty("examples").GetInt64());
    }

    /// <summary>Done shards of a job (manifest plus commit log) that may not exist yet.</summary>
    private static int DoneShards(string manifest) => Build.JobManifest.DoneCountWhileRunning(Path.GetDirectoryName(manifest)!);
}
