using System.Text.Json;
using StreamPipeline.Application.Evaluation;
using StreamPipeline.Experiment.Reporting;

namespace StreamPipeline.Experiment;

/// <summary>
/// Figure 2 (right) of the paper as experiment steps: robust accuracy on the original test set of the model of every
/// training set of the results table, at each eps of robustness-curve.eps, under the evaluation attack's norm and steps
/// (its step-size/eps ratio kept at every eps). One step per model, into evals/robustness/NAME.json, skipped when that
/// file holds the same radii, attack and image count.
/// </summary>
internal sealed class RobustnessStudy(ExperimentRunner runner, ExperimentSpec spec, string? dataRoot)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    /// <summary>The attack the curves are drawn under: the evaluation attack (at eps it is scaled to, by <see cref="StreamPipeline.Attacks.RobustnessSweep"/>).</summary>
    public AttackSettings Attack => spec.EvaluationAttack;

    public string ResultPath(string model) => Path.Combine(Path.GetDirectoryName(runner.EvaluationPath(model))!, "robustness", model + ".json");

    public void Run(CancellationToken ct)
    {
        foreach (var row in ExperimentRunner.Rows)
        {
            var path = ResultPath(row.Name);
            var expected = Expected(row.Name);
            if (File.Exists(path) && Read(path) is { } done && done.Matches(expected))
            {
                runner.Views.Say($"experiment: robustness curve of {row.Name} done, skipped");
                continue;
            }
            runner.RunStep("robustness-" + row.Name, () =>
            {
                var request = new RobustnessSweepRequest(runner.ModelPath(row.Name), spec.TestData, Attack, spec.RobustnessCurve.Eps, 256, spec.Seed,
                    dataRoot, spec.RobustnessCurve.TestImages, spec.Devices);
                var sweep = runner.Views.RobustnessSweep(request, ct);
                var result = expected with
                {
                    Examples = sweep.Examples,
                    Points = sweep.Points.Select(p => new Point(p.Eps, p.RobustAccuracy)).ToList(),
                };
                ExperimentRunner.WriteText(path, JsonSerializer.Serialize(result, Json));
            });
        }
    }

    /// <summary>Every curve, one per training set in the results table's order, labelled as the table labels it.</summary>
    public Figure ReadFigure()
    {
        var curves = ExperimentRunner.Rows.Select(row =>
            (row.Label, Read(ResultPath(row.Name)) ?? throw new InvalidDataException($"{ResultPath(row.Name)}: no robustness curve"))).ToList();
        var examples = curves.Select(c => c.Item2.Examples).Distinct().ToList();
        if (examples.Count != 1)
            throw new InvalidDataException($"robustness curves were measured on different numbers of test images ({string.Join(", ", examples)})");
        var points = curves.SelectMany(c => c.Item2.Points.Select(p => new RobustnessCurvePoint(c.Label, p.Eps, p.RobustAccuracy, c.Item2.Examples))).ToList();
        return new Figure(points, examples[0], Attack);
    }

    private Result Expected(string model) =>
        new(model, Attack.Describe(), spec.RobustnessCurve.TestImages, 0, spec.RobustnessCurve.Eps.Select(e => new Point(e, 0)).ToList());

    private static Result? Read(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<Result>(File.ReadAllText(path), Json);
        }
        catch (JsonException)
        {
            return null; // a file of an older layout: sweep again
        }
    }

    /// <summary>What evals/robustness/NAME.json holds: the model, the attack, the image count asked for and used, one point per eps.</summary>
    internal sealed record Result(string Model, string Attack, long? TestImages, long Examples, IReadOnlyList<Point> Points)
    {
        public bool Matches(Result expected) =>
            Model == expected.Model && Attack == expected.Attack && TestImages == expected.TestImages &&
            Points.Select(p => p.Eps).SequenceEqual(expected.Points.Select(p => p.Eps));
    }

    internal sealed record Point(double Eps, double RobustAccuracy);

    internal sealed record Figure(IReadOnlyList<RobustnessCurvePoint> Points, long Examples, AttackSettings Attack);
}
