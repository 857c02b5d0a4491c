using System.Globalization;

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
        Assert.Equal("training_set,built_from,accuracy,robust_accuracy,paper_cifar10_accuracy", csv[0]);
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
        Assert.Contains("## Wall time per step", markdown);
        foreach (var kind in new[] { "det", "rand", "robust", "nonrobust" })
        {
            Assert.True(File.Exists(Path.Combine(outDir, "datasets", kind, "manifest.json")), kind);
            Assert.True(File.Exists(Path.Combine(outDir, "grids", kind + ".png")), kind + " grid");
        }

        var second = CliProcess.Run(_dir.Path, TimeSpan.FromMinutes(5), "experiment", outDir, "--spec", spec);
        Assert.True(second.ExitCode == 0, second.Stderr);
        Assert.Contains("standard model done, skipped", second.Stderr);
        Assert.Contains("evaluation of trained-on-det done, skipped", second.Stderr);
        Assert.DoesNotContain("train: done", second.Stderr);
        Assert.Equal(csv, File.ReadAllLines(Path.Combine(outDir, "results.csv")));
    }
}
