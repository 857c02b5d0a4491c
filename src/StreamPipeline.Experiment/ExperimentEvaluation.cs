using System.Text.Json;

namespace StreamPipeline.Experiment;

/// <summary>
/// evals/NAME.json: one model's accuracy on the original test set and, when it was attacked, its robust accuracy. The
/// one owner of that file's layout: the runner writes it, the report and the figures read it.
/// </summary>
internal sealed record ExperimentEvaluation(string Model, double Accuracy, double? RobustAccuracy, long Examples)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static ExperimentEvaluation Read(string path) =>
        JsonSerializer.Deserialize<ExperimentEvaluation>(File.ReadAllText(path), Json)
        ?? throw new InvalidDataException($"{path}: not an evaluation");
}
