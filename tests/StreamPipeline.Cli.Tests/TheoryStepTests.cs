using System.Globalization;
using System.Text.Json;
using StreamPipeline.Attacks.Theory;
using StreamPipeline.Experiment;
using StreamPipeline.Experiment.Reporting;
using StreamPipeline.Data;
using TorchSharp;

namespace StreamPipeline.Cli.Tests;

/// <summary>
/// The experiment's theory step (the paper's Section 4) through the real program, on tiny image data so the other steps
/// take seconds: its figure, CSV and results.md section hold exactly what the library computes for the same settings,
/// a rerun skips it, changed theory settings recompute it, and bad theory settings are refused in one line.
/// </summary>
public sealed class TheoryStepTests : IDisposable
{
    // Small theory settings: the step takes a second or two; the experiment seed (0) is the study's seed.
    private static readonly SectionFourSettings Expected =
        new([0, 0.5, 1], Samples: 300, TestSamples: 2000, Seed: 0, FitSteps: 60, LearningRate: 0.05, InverseLambdas: [0.5], PenaltyMultiples: [2]);

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Experiment_writes_the_theory_figure_csv_and_section_with_the_librarys_numbers_and_a_rerun_skips_the_step()
    {
        var spec = TinySpec("theory { eps = [0, 0.5, 1], samples = 300, test-samples = 2000, fit-steps = 60, inverse-lambdas = [0.5], penalty-multiples = [2] }");
        var outDir = _dir.File("exp");

        var first = CliProcess.Run(_dir.Path, TimeSpan.FromMinutes(5), "experiment", outDir, "--spec", spec);

        Assert.True(first.ExitCode == 0, first.Stderr);
        // The same study in this process (one intra-op thread, as the step runs it): the program's outputs hold its numbers.
        torch.set_num_threads(1);
        var library = SectionFourStudy.Run(Expected);
        var plane = library.Studies.Single(s => s.Setting.Name == "plane");
        var csv = Path.Combine(outDir, "plots", "theory.csv");
        Assert.Equal(TheoryFigure.Ellipses(plane), TheoryFigure.ReadCsv(csv));
        Assert.Equal(new ImageShape(3, 600, 900), new RenderedPng(Path.Combine(outDir, "plots", "theory.png")).Shape);

        var markdown = File.ReadAllText(Path.Combine(outDir, "results.md"));
        Assert.Contains(TheoryReport.Heading, markdown);
        Assert.Contains("](plots/theory.png)", markdown);
        Assert.Contains("](plots/theory.csv)", markdown);
        foreach (var study in library.Studies)
        {
            var name = study.Setting.Name;
            foreach (var r in study.Robust) Assert.Contains(TheoryReport.RobustRow(name, r) + "\n", markdown);
            foreach (var l in study.Lagrangian) Assert.Contains(TheoryReport.LagrangianRow(name, l) + "\n", markdown);
            foreach (var v in study.Vulnerability) Assert.Contains(TheoryReport.VulnerabilityRow(name, v) + "\n", markdown);
            foreach (var a in study.Accuracy) Assert.Contains(TheoryReport.AccuracyRow(name, a) + "\n", markdown);
        }
        // And read independently of the row formatter: the fitted 1/λ of the plane at eps 1 is the sixth column of the
        // robust-fit table (its rows have ten columns; the accuracy table's five).
        var row = markdown.Split('\n').Single(l => l.StartsWith("| plane | 1 |", StringComparison.Ordinal) && l.Split('|').Length == 12);
        var fitted = double.Parse(row.Split('|')[6].Trim(), CultureInfo.InvariantCulture);
        Assert.Equal(Math.Round(plane.Robust.Single(r => r.Eps == 1).InverseLambda, 4), fitted);
        Assert.True(fitted > 0);

        var steps = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "steps.json"))).RootElement;
        var seconds = steps.GetProperty("theory").GetDouble();
        var again = CliProcess.Run(_dir.Path, TimeSpan.FromMinutes(5), "experiment", outDir, "--spec", spec);
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Contains("experiment: theory (Section 4) done, skipped", again.Stderr);
        Assert.Equal(seconds, JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "steps.json"))).RootElement.GetProperty("theory").GetDouble());
        Assert.Equal(TheoryFigure.Ellipses(plane), TheoryFigure.ReadCsv(csv));

        // Other theory settings are not "done": the step runs again and the figure follows them.
        var changed = TinySpec("theory { eps = [0, 0.25], samples = 300, test-samples = 2000, fit-steps = 60, inverse-lambdas = [0.5], penalty-multiples = [2] }");
        var third = CliProcess.Run(_dir.Path, TimeSpan.FromMinutes(5), "experiment", outDir, "--spec", changed);
        Assert.True(third.ExitCode == 0, third.Stderr);
        Assert.DoesNotContain("theory (Section 4) done, skipped", third.Stderr);
        Assert.Equal([null, 0, 0.25], TheoryFigure.ReadCsv(csv).Select(e => e.Eps));
    }

    [Theory]
    [InlineData("theory { eps = [0, 0.5, 0.5] }", "theory.eps lists a radius twice")]
    [InlineData("theory { eps = [0, -1] }", "theory.eps: every eps must be finite and not negative")]
    [InlineData("theory { samples = 5 }", "theory.samples must be between 10 and 1000000, got 5")]
    [InlineData("theory { penalty-multiples = [0.5] }", "theory.penalty-multiples: every multiple must exceed 1")]
    [InlineData("theory { fit-steps = 0 }", "theory.fit-steps must be between 1 and 100000, got 0")]
    [InlineData("theory { sigma = 1 }", "unknown setting 'experiment.theory.sigma'")]
    public void A_bad_theory_setting_is_refused_with_one_line_naming_the_file_and_the_key(string block, string message)
    {
        var spec = _dir.File("bad.conf");
        File.WriteAllText(spec, $"experiment {{\n  {block}\n}}\n");

        var error = Assert.Throws<ArgumentException>(() => ExperimentSpec.Load(spec, quick: false));

        Assert.Contains(message, error.Message);
        Assert.Contains(spec, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void The_program_refuses_a_bad_theory_setting_with_exit_2_and_one_error_line_before_any_step()
    {
        var spec = _dir.File("bad.conf");
        File.WriteAllText(spec, "experiment {\n  theory { inverse-lambdas = [0] }\n}\n");
        var outDir = _dir.File("never");

        var run = CliProcess.Run(_dir.Path, "experiment", outDir, "--spec", spec);

        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line);
        Assert.Contains("theory.inverse-lambdas", line);
        Assert.False(Directory.Exists(outDir));
    }

    /// <summary>An experiment spec over tiny 8×8 IDX data (every step seconds) with <paramref name="theory"/> as its theory block.</summary>
    private string TinySpec(string theory)
    {
        var train = TinyData.Reference(TinyData.WriteIdx(_dir.Path, "train", 256, seed: 1));
        var test = TinyData.Reference(TinyData.WriteIdx(_dir.Path, "test", 64, seed: 2));
        var spec = _dir.File($"tiny-{Guid.NewGuid():N}.conf");
        File.WriteAllText(spec, $$"""
            experiment {
              name = tiny
              train-data = "{{train}}"
              test-data = "{{test}}"
              model = mlp
              devices = cpu
              batch-size = 64
              standard { epochs = 1 }
              robust { epochs = 1, adversarial { steps = 1, step-size = 1.0 } }
              build { images = 32, shard-size = 32, det { steps = 1 }, rand { steps = 1 }, robust { steps = 1 }, nonrobust { steps = 1 } }
              retrain { epochs = 1 }
              evaluate { attack { steps = 1, step-size = 1.0 } }
              transfer { architectures = [mlp], test-images = 32 }
              robustness-curve { eps = [0, 1.0], test-images = 32 }
              {{theory}}
            }
            """);
        return spec;
    }
}
