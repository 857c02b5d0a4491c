using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using StreamPipeline.Application.Building;
using StreamPipeline.Application.Evaluation;
using StreamPipeline.Application.Training;
using StreamPipeline.Data;
using StreamPipeline.Data.Files;
using StreamPipeline.Models;
using StreamPipeline.Models.Interop;
using StreamPipeline.Pipeline.Specs;

namespace StreamPipeline.Experiment;

/// <summary>
/// Runs the paper's pipeline step by step into OUTDIR. Each step's output is committed atomically (checkpoints, evaluation
/// JSON) or shard by shard (builds), and a step whose output is complete is skipped, so re-running resumes.
/// </summary>
/// <param name="views">How each step runs in front of a person (its live view) and where the experiment's lines go.</param>
public sealed class ExperimentRunner(ExperimentSpec spec, string outDir, string? dataRoot, IStepViews views)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private readonly string _stepsFile = Path.Combine(outDir, "steps.json");

    /// <summary>How the steps' live views draw; the figure studies draw theirs the same way.</summary>
    internal IStepViews Views => views;

    /// <summary>The training sets of the results table, in the paper's order, with the authors' CIFAR-10 figures (cited).</summary>
    public static IReadOnlyList<(string Name, string Label, string Source, AuthorsFigure Authors)> Rows { get; } =
    [
        ("standard", "D (standard training)", "original data", new("95.3%", "T1", "8.7%", "RZ")),
        ("robust", "D (adversarial training, L2)", "original data", new("90.8%", "RZ", "82.3%", "RZ")),
        ("trained-on-robust", "D_R (robust features)", "robust model", new("84%", "CD", "48%", "CD")),
        ("trained-on-nonrobust", "D_NR (non-robust features)", "standard model", new("88%", "CD", "0%", "CD")),
        ("trained-on-rand", "D_rand (random targets)", "standard model", new("63.3%", "T1", "0%", "CD")),
        ("trained-on-det", "D_det (deterministic targets)", "standard model", new("43.7%", "T1", "0%", "CD")),
    ];

    public string ModelPath(string name) => Path.Combine(outDir, "models", name + ".pt");

    public string DatasetDir(ConstructionKind kind) => Path.Combine(outDir, "datasets", Names.Construction.Of(kind));

    public string EvaluationPath(string name) => Path.Combine(outDir, "evals", name + ".json");

    public async Task RunAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(outDir);
        var total = Stopwatch.StartNew();
        views.Say($"experiment {spec.Name}{(spec.Quick ? " (quick)" : "")} -> {outDir}");

        // Section 4 (theory) needs no data or model and takes seconds: it runs first.
        var theory = new TheoryStudy(this, spec, outDir);
        theory.Run(ct);

        Train("standard", spec.TrainData, spec.TrainImages, spec.Standard, adversarial: null, ct);
        Train("robust", spec.TrainData, spec.TrainImages, spec.Robust, spec.RobustAdversary, ct);

        foreach (var kind in new[] { ConstructionKind.Det, ConstructionKind.Rand, ConstructionKind.NonRobust, ConstructionKind.Robust })
            await BuildAsync(kind, ct);

        foreach (var kind in new[] { ConstructionKind.Det, ConstructionKind.Rand, ConstructionKind.NonRobust, ConstructionKind.Robust })
            Train("trained-on-" + Names.Construction.Of(kind), "parquet:" + DatasetDir(kind), null, spec.Retrain, adversarial: null, ct);

        foreach (var row in Rows)
            Evaluate(row.Name, spec.EvaluationAttack, ct);

        var transfer = new TransferStudy(this, spec, dataRoot);
        transfer.Run(ct);
        var robustness = new RobustnessStudy(this, spec, dataRoot);
        robustness.Run(ct);

        var grids = await Grids.WriteAsync(this, outDir, dataRoot, ct);
        int classes;
        using (var test = DatasetReference.Open(spec.TestData, new DatasetOptions(dataRoot)))
            classes = test.Classes;
        var figures = PaperFigures.Write(outDir, transfer.ReadFigure(), robustness.ReadFigure(), classes);
        new ResultsReport(this, spec, outDir).Write(figures, grids, ReadSteps(), theory.WriteFigure());
        views.Say($"experiment: done in {total.Elapsed.TotalMinutes:F1} min; results in {Path.Combine(outDir, "results.md")}");
    }

    /// <summary>Trains the model <paramref name="name"/> with the spec's architecture, unless its checkpoint is complete.</summary>
    internal void Train(string name, string data, long? limit, ExperimentSpec.TrainStep step, AttackSettings? adversarial, CancellationToken ct) =>
        Train(name, spec.Architecture, data, limit, step, spec.Seed, adversarial, ct);

    /// <summary>Trains the model <paramref name="name"/>, unless its checkpoint (weights and sidecar) is complete.</summary>
    internal void Train(string name, string architecture, string data, long? limit, ExperimentSpec.TrainStep step, int seed, AttackSettings? adversarial,
        CancellationToken ct)
    {
        var path = ModelPath(name);
        if (File.Exists(path) && File.Exists(Checkpoint.SidecarPath(path)))
        {
            views.Say($"experiment: {name} model done, skipped ({path})");
            return;
        }
        if (step.Import is { } imported)
        {
            RunStep("import-" + name, () =>
            {
                var result = PyTorchCheckpoint.Import(new ImportRequest(imported.File, imported.Architecture, path),
                    note => views.Say($"experiment: import {name}: {note}"));
                views.Say($"experiment: {name} model imported from {imported.File} ({result.Checkpoint.Architecture}, " +
                    $"{result.Tensors} tensors, {result.Checkpoint.ImportedFrom!.Layout})");
            });
            return;
        }
        RunStep("train-" + name, () => views.Train(new TrainRequest(
            data, architecture, path, new TrainingSettings(step.Epochs, spec.BatchSize, step.LearningRate, Seed: seed),
            adversarial, TestData: null, dataRoot, limit, spec.Devices), ct));
    }

    private async Task BuildAsync(ConstructionKind kind, CancellationToken ct)
    {
        var jobSpec = JobSpecLoader.Change(spec.Builds[kind].Job, new JobSpecOverrides { Model = ModelPath(kind == ConstructionKind.Robust ? "robust" : "standard") },
            "(experiment)");
        var name = "build-" + Names.Construction.Of(kind);
        var clock = Stopwatch.StartNew();
        var result = await views.BuildAsync(new BuildRequest(jobSpec, DatasetDir(kind), dataRoot), name, ct);
        if (result.ShardsCommitted > 0) RecordStep(name, clock.Elapsed.TotalSeconds, accumulate: true);
    }

    /// <summary>
    /// Evaluates the model <paramref name="name"/> on the first test-images of the original test set (accuracy, and robust
    /// accuracy under <paramref name="attack"/> unless null) into evals/NAME.json, unless that file exists.
    /// </summary>
    internal void Evaluate(string name, AttackSettings? attack, CancellationToken ct)
    {
        var path = EvaluationPath(name);
        if (File.Exists(path))
        {
            views.Say($"experiment: evaluation of {name} done, skipped");
            return;
        }
        RunStep("evaluate-" + name, () =>
        {
            var request = new EvaluateRequest(ModelPath(name), spec.TestData, attack, 256, spec.Seed,
                dataRoot, spec.TestImages, spec.Devices);
            var result = views.Evaluate(request, ct);
            WriteText(path, new ExperimentEvaluation(name, result.Accuracy, result.RobustAccuracy, result.Examples).ToJson());
        });
    }

    /// <summary>Runs one step and records its wall time in steps.json under <paramref name="name"/>.</summary>
    internal void RunStep(string name, Action action)
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

    internal Dictionary<string, double> ReadSteps() =>
        File.Exists(_stepsFile)
            ? JsonSerializer.Deserialize<Dictionary<string, double>>(File.ReadAllText(_stepsFile)) ?? new()
            : new();

    /// <summary>Commits a report file atomically, creating its folder.</summary>
    internal static void WriteText(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        AtomicFile.WriteAllText(path, text);
    }
}

internal static class AttackSettingsText
{
    public static string Step(this AttackSettings a) => a.StepSize.ToString("0.####", CultureInfo.InvariantCulture);
}
