using System.Text.Json;
using System.Text.Json.Serialization;
using StreamPipeline.Application.Evaluation;
using StreamPipeline.Experiment.Reporting;

namespace StreamPipeline.Experiment;

/// <summary>
/// Figure 3 of the paper as experiment steps. For each architecture: a model trained on D_det (x: its accuracy on the
/// original test set) and a transfer target trained on the original data D with the standard recipe but another seed;
/// then D_det's targeted attack, made on the standard (source) model for the original test images, is shown to every
/// target (y: the share classified as the target). Each model and evaluation is a step of its own, skipped when done;
/// the transfer evaluation is skipped when evals/transfer.json holds the same targets, attack and image count.
/// </summary>
internal sealed class TransferStudy(ExperimentRunner runner, ExperimentSpec spec, string? dataRoot)
{
    /// <summary>The source model: the standard model of the results table, the one D_det is built from.</summary>
    public const string Source = "standard";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        // The rate over source-fooled examples is NaN when the source was never fooled.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private string ResultPath => runner.EvaluationPath("transfer");

    /// <summary>D_det's attack: the det build's settings (targeted, t = (y + 1) mod C, per-example seeds of the spec's seed).</summary>
    public ConstructionSettings Attack => spec.Builds[ConstructionKind.Det].Job.ToConstructionSettings();

    /// <summary>The transfer target of <paramref name="architecture"/>: trained on D like the source, with transfer.target-seed.</summary>
    public static string TargetModel(string architecture) => "transfer-target-" + architecture;

    /// <summary>The model of <paramref name="architecture"/> trained on D_det; the results table's own for the spec's architecture.</summary>
    public string DetModel(string architecture) =>
        architecture == spec.Architecture ? "trained-on-det" : "trained-on-det-" + architecture;

    public void Run(CancellationToken ct)
    {
        var det = "parquet:" + runner.DatasetDir(ConstructionKind.Det);
        foreach (var architecture in spec.Transfer.Architectures)
        {
            runner.Train(DetModel(architecture), architecture, det, null, spec.Retrain, spec.Seed, adversarial: null, ct);
            // Only x is needed of these; the spec's own architecture was evaluated (and attacked) for the results table.
            runner.Evaluate(DetModel(architecture), attack: null, ct);
            runner.Train(TargetModel(architecture), architecture, spec.TrainData, spec.TrainImages, spec.Standard, spec.Transfer.TargetSeed,
                adversarial: null, ct);
        }

        var expected = Expected();
        if (File.Exists(ResultPath) && Read() is { } done && done.Matches(expected))
        {
            runner.Views.Say("experiment: transfer evaluation done, skipped");
            return;
        }
        runner.RunStep("transfer", () =>
        {
            var targets = spec.Transfer.Architectures.Select(a => new TransferTargetCheckpoint(a, runner.ModelPath(TargetModel(a)))).ToList();
            var request = new TransferRequest(runner.ModelPath(Source), targets, spec.TestData, Attack, 256, dataRoot,
                spec.Transfer.TestImages, spec.Devices);
            var report = runner.Views.Transfer(request, ct);
            var result = expected with
            {
                Examples = report.Examples,
                SourceSuccess = report.SourceSuccess,
                Targets = report.Targets.Select(t => new TargetResult(
                    t.Name, TargetModel(t.Name), t.CleanAccuracy, t.TransferSuccess, t.TransferSuccessWhereSourceFooled)).ToList(),
            };
            ExperimentRunner.WriteText(ResultPath, JsonSerializer.Serialize(result, Json));
        });
    }

    /// <summary>The figure's data: evals/transfer.json joined with each D_det model's evaluation.</summary>
    public Figure ReadFigure()
    {
        var result = Read() ?? throw new InvalidDataException($"{ResultPath}: no transfer result");
        var rows = result.Targets.Select(t =>
        {
            var det = ExperimentEvaluation.Read(runner.EvaluationPath(DetModel(t.Architecture)));
            return new Row(t, DetModel(t.Architecture), det.Accuracy, det.Examples);
        }).ToList();
        return new Figure(result, rows, Attack.Attack);
    }

    private Result Expected() =>
        new(Source, spec.Architecture, Attack.Attack.Describe(), spec.Transfer.TestImages, 0, 0, spec.Transfer.Architectures
            .Select(a => new TargetResult(a, TargetModel(a), 0, 0, 0)).ToList());

    private Result? Read()
    {
        try
        {
            return JsonSerializer.Deserialize<Result>(File.ReadAllText(ResultPath), Json);
        }
        catch (JsonException)
        {
            return null; // a file of an older layout: evaluate again
        }
    }

    /// <summary>What evals/transfer.json holds: the source, the attack, how many test images it was asked for and used, and each target.</summary>
    internal sealed record Result(
        string Source, string SourceArchitecture, string Attack, long? TestImages, long Examples, double SourceSuccess, IReadOnlyList<TargetResult> Targets)
    {
        /// <summary>True when this result answers <paramref name="expected"/>: same source, attack, image count and targets.</summary>
        public bool Matches(Result expected) =>
            Source == expected.Source && SourceArchitecture == expected.SourceArchitecture && Attack == expected.Attack &&
            TestImages == expected.TestImages && Targets.Select(t => t.Model).SequenceEqual(expected.Targets.Select(t => t.Model));
    }

    internal sealed record TargetResult(string Architecture, string Model, double CleanAccuracy, double TransferSuccess, double TransferSuccessWhereSourceFooled);

    /// <summary>One architecture's point: its transfer target's outcome and its D_det model's accuracy on <see cref="DetExamples"/> test images.</summary>
    internal sealed record Row(TargetResult Target, string DetModel, double DetAccuracy, long DetExamples);

    internal sealed record Figure(Result Result, IReadOnlyList<Row> Rows, AttackSettings Attack)
    {
        public IReadOnlyList<TransferPoint> Points => Rows.Select(r => new TransferPoint(r.Target.Architecture, r.DetAccuracy, r.DetExamples, r.Target.TransferSuccess, Result.Examples)).ToList();

        /// <summary>Pearson's r over the points: the number Figure 3's claim rests on.</summary>
        public double Correlation => PearsonCorrelation.Of(Rows.Select(r => r.DetAccuracy).ToList(), Rows.Select(r => r.Target.TransferSuccess).ToList());
    }
}
