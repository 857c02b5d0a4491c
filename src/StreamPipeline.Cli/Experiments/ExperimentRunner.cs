using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using StreamPipeline.Application.Building;
using StreamPipeline.Application.Evaluation;
using StreamPipeline.Application.Training;
using StreamPipeline.Cli.Presentation;
using StreamPipeline.Data.Files;
using StreamPipeline.Models;

namespace StreamPipeline.Cli.Experiments;

/// <summary>
/// Runs the paper's pipeline step by step into OUTDIR. Each step's output is committed atomically (checkpoints, evaluation
/// JSON) or shard by shard (builds), and a step whose output is complete is skipped, so re-running resumes.
/// </summary>
/// <param name="display">How the steps' live views draw (quiet with --quiet).</param>
public sealed class ExperimentRunner(ExperimentSpec spec, string outDir, string? dataRoot, DisplayMode display)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private readonly string _stepsFile = Path.Combine(outDir, "steps.json");

    /// <summary>The training sets of the results table, in the paper's order, with the paper's CIFAR-10 figure where it gives one.</summary>
    public static IReadOnlyList<(string Name, string Label, string Source, string? PaperAccuracy)> Rows { get; } =
    [
        ("standard", "D (standard training)", "original data", "95.3%"),
        ("robust", "D (adversarial training, L2)", "original data", null),
        ("trained-on-robust", "D_R (robust features)", "robust model", null),
        ("trained-on-nonrobust", "D_NR (non-robust features)", "standard model", null),
        ("trained-on-rand", "D_rand (random targets)", "standard model", "63.3%"),
        ("trained-on-det", "D_det (deterministic targets)", "standard model", "43.7%"),
    ];

    public string ModelPath(string name) => Path.Combine(outDir, "models", name + ".pt");

    public string DatasetDir(ConstructionKind kind) => Path.Combine(outDir, "datasets", Names.Construction.Of(kind));

    public string EvaluationPath(string name) => Path.Combine(outDir, "evals", name + ".json");

    public async Task RunAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(outDir);
        var total = Stopwatch.StartNew();
        Console.Error.WriteLine($"experiment {spec.Name}{(spec.Quick ? " (quick)" : "")} -> {outDir}");

        Train("standard", spec.TrainData, spec.TrainImages, spec.Standard, adversarial: null, ct);
        Train("robust", spec.TrainData, spec.TrainImages, spec.Robust, spec.RobustAdversary, ct);

        foreach (var kind in new[] { ConstructionKind.Det, ConstructionKind.Rand, ConstructionKind.NonRobust, ConstructionKind.Robust })
            await BuildAsync(kind, ct);

        foreach (var kind in new[] { ConstructionKind.Det, ConstructionKind.Rand, ConstructionKind.NonRobust, ConstructionKind.Robust })
            Train("trained-on-" + Names.Construction.Of(kind), "parquet:" + DatasetDir(kind), null, spec.Retrain, adversarial: null, ct);

        foreach (var row in Rows)
            Evaluate(row.Name, ct);

        await Grids.WriteAsync(this, outDir, dataRoot, ct);
        WriteResults();
        Console.Error.WriteLine($"experiment: done in {total.Elapsed.TotalMinutes:F1} min; results in {Path.Combine(outDir, "results.md")}");
    }

    private void Train(string name, string data, long? limit, ExperimentSpec.TrainStep step, AttackSettings? adversarial, CancellationToken ct)
    {
        var path = ModelPath(name);
        if (File.Exists(path) && File.Exists(Checkpoint.SidecarPath(path)))
        {
            Console.Error.WriteLine($"experiment: {name} model done, skipped ({path})");
            return;
        }
        RunStep("train-" + name, () => LiveRuns.Train(new TrainRequest(
            data, spec.Architecture, path, new TrainingSettings(step.Epochs, spec.BatchSize, step.LearningRate, Seed: spec.Seed),
            adversarial, TestData: null, dataRoot, limit, spec.Devices), display, ct));
    }

    private async Task BuildAsync(ConstructionKind kind, CancellationToken ct)
    {
        var jobSpec = spec.Builds[kind].Job with { Model = ModelPath(kind == ConstructionKind.Robust ? "robust" : "standard") };
        var name = "build-" + Names.Construction.Of(kind);
        var clock = Stopwatch.StartNew();
        var result = await LiveRuns.BuildAsync(new BuildRequest(jobSpec, DatasetDir(kind), dataRoot), name, display, ct);
        if (result.ShardsCommitted > 0) RecordStep(name, clock.Elapsed.TotalSeconds, accumulate: true);
    }

    private void Evaluate(string name, CancellationToken ct)
    {
        var path = EvaluationPath(name);
        if (File.Exists(path))
        {
            Console.Error.WriteLine($"experiment: evaluation of {name} done, skipped");
            return;
        }
        RunStep("evaluate-" + name, () =>
        {
            var request = new EvaluateRequest(ModelPath(name), spec.TestData, spec.EvaluationAttack, 256, spec.Seed,
                dataRoot, spec.TestImages, spec.Devices);
            var result = LiveRuns.Evaluate(request, display, ct);
            WriteText(path, JsonSerializer.Serialize(new
            {
                model = name, accuracy = result.Accuracy, robust_accuracy = result.RobustAccuracy, examples = result.Examples,
            }, Indented));
        });
    }

    private void RunStep(string name, Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        RecordStep(name, clock.Elapsed.TotalSeconds, accumulate: false);
    }

    private void RecordStep(string name, double seconds, bool accumulate)
    {
        var steps = ReadSteps();
        steps[name] = Math.Round((accumulate && steps.TryGetValue(name, out var before) ? before : 0) + seconds, 1);
        WriteText(_stepsFile, JsonSerializer.Serialize(steps, Indented));
    }

    private Dictionary<string, double> ReadSteps() =>
        File.Exists(_stepsFile)
            ? JsonSerializer.Deserialize<Dictionary<string, double>>(File.ReadAllText(_stepsFile)) ?? new()
            : new();

    private void WriteResults()
    {
        var evals = Rows.ToDictionary(r => r.Name, r => JsonDocument.Parse(File.ReadAllText(EvaluationPath(r.Name))).RootElement);
        var attack = spec.EvaluationAttack;
        var attackText = $"{Names.Norm.Of(attack.Norm)} eps {attack.Eps} PGD-{attack.Steps} (step {attack.Step()})";
        var examples = evals.Values.First().GetProperty("examples").GetInt64();
        var inv = CultureInfo.InvariantCulture;

        var csv = new StringBuilder("training_set,built_from,accuracy,robust_accuracy,paper_cifar10_accuracy\n");
        var md = new StringBuilder();
        md.AppendLine($"# Experiment: {spec.Name}{(spec.Quick ? " (quick)" : "")}");
        md.AppendLine();
        md.AppendLine($"A fresh {spec.Architecture} trained on each training set, evaluated on the **original** test set " +
                      $"({spec.TestData}, {examples:N0} images): standard accuracy, and robust accuracy under {attackText}. Chance is 10%.");
        md.AppendLine();
        md.AppendLine("| training set | built from | accuracy | robust accuracy | paper, CIFAR-10 accuracy |");
        md.AppendLine("|---|---|---:|---:|---:|");
        foreach (var row in Rows)
        {
            var e = evals[row.Name];
            var acc = e.GetProperty("accuracy").GetDouble();
            var rob = e.GetProperty("robust_accuracy").GetDouble();
            md.AppendLine($"| {row.Label} | {row.Source} | {Percent(acc)} | {Percent(rob)} | {row.PaperAccuracy ?? "—"} |");
            csv.AppendLine(string.Join(',', row.Name, '"' + row.Source + '"', acc.ToString("F4", inv), rob.ToString("F4", inv), row.PaperAccuracy ?? ""));
        }
        md.AppendLine();
        md.AppendLine("Paper (Ilyas et al. 2019, CIFAR-10, ResNet-50): D 95.3%, D_rand 63.3%, D_det 43.7% on the original test set; a model trained on " +
                      "D_R is robust without adversarial training, one trained on D_NR is accurate but not robust (Figure 2).");
        md.AppendLine();
        md.AppendLine("## Settings");
        md.AppendLine();
        md.AppendLine($"- source models: {spec.TrainData} ({(spec.TrainImages is { } t ? t.ToString("N0", inv) + " images" : "all images")}), " +
                      $"standard {spec.Standard.Epochs} epochs; robust {spec.Robust.Epochs} epochs of L2 PGD training " +
                      $"(eps {spec.RobustAdversary.Eps}, {spec.RobustAdversary.Steps} steps of {spec.RobustAdversary.StepSize}); Adam, batch {spec.BatchSize}, seed {spec.Seed}");
        foreach (var kind in new[] { ConstructionKind.Det, ConstructionKind.Rand, ConstructionKind.NonRobust, ConstructionKind.Robust })
        {
            var b = spec.Builds[kind];
            var images = b.Images is { } n ? $"first {n:N0}" : "all";
            var eps = b.Job.Attack.Norm == ThreatModel.L2Unbounded ? "no eps bound" : $"eps {b.Job.Attack.Eps.ToString(inv)}";
            md.AppendLine($"- {Names.Paper(kind)}: {images} training images, {Names.Norm.Of(b.Job.Attack.Norm)} {eps}, {b.Job.Attack.Steps} steps of {b.Job.Attack.StepSize.ToString(inv)}");
        }
        md.AppendLine($"- retraining: {spec.Retrain.Epochs} epochs, Adam lr {spec.Retrain.LearningRate.ToString(inv)}");
        md.AppendLine();
        md.AppendLine("## Wall time per step (seconds)");
        md.AppendLine();
        md.AppendLine("| step | seconds |");
        md.AppendLine("|---|---:|");
        foreach (var (step, seconds) in ReadSteps()) md.AppendLine($"| {step} | {seconds.ToString("F1", inv)} |");
        md.AppendLine();
        md.AppendLine("Grids of source → constructed examples: `grids/*.png`.");

        WriteText(Path.Combine(outDir, "results.md"), md.ToString());
        WriteText(Path.Combine(outDir, "results.csv"), csv.ToString());
        Console.Error.WriteLine(md.ToString());
    }

    private static string Percent(double value) => (100 * value).ToString("F1", CultureInfo.InvariantCulture) + "%";

    private static void WriteText(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        AtomicFile.WriteAllText(path, text);
    }
}

internal static class AttackSettingsText
{
    public static string Step(this AttackSettings a) => a.StepSize.ToString("0.####", CultureInfo.InvariantCulture);
}
