using StreamPipeline.Attacks;
using StreamPipeline.Data;
using StreamPipeline.Models;

namespace StreamPipeline.Application.Evaluation;

/// <summary>Accuracy of a checkpoint on a dataset, and robust accuracy under untargeted PGD.</summary>
public static class EvaluateService
{
    public static EvaluationResult Run(EvaluateRequest request, Action<string> say, IProgress<EvaluationProgress>? progress, CancellationToken ct)
    {
        if (request.BatchSize < 1) throw new ArgumentException($"--batch-size must be at least 1, got {request.BatchSize}");
        var device = DeviceSelector.Select(request.Device, say);
        using var data = DatasetReference.Open(request.Data, new DatasetOptions(request.DataRoot, request.Limit));
        var (model, info) = Checkpoint.Load(request.Model, device);
        using var _ = model;
        Checkpoint.CheckCompatible(info, data.Shape, data.Classes);
        var attack = request.Attack is { } a ? Adversary.Untargeted(a, request.Seed) : null;
        var result = Evaluator.Evaluate(model, data, device, request.BatchSize, attack, progress, ct);
        var robust = result.RobustAccuracy is { } ra ? $", robust accuracy {ra:F4} under {request.Attack!.Describe()}" : "";
        say($"evaluate: {request.Model} on {data.Reference}: accuracy {result.Accuracy:F4}{robust} ({result.Examples:N0} examples)");
        return result;
    }
}
