using StreamPipeline.Attacks;
using StreamPipeline.Data;
using StreamPipeline.Data.Threading;
using StreamPipeline.Models;

namespace StreamPipeline.Application.Evaluation;

/// <summary>Accuracy of a checkpoint on a dataset, and robust accuracy under untargeted PGD.</summary>
public static class EvaluateService
{
    public static EvaluationResult Run(EvaluateRequest request, Action<string> say, IProgress<EvaluationProgress>? progress, CancellationToken ct) =>
        // On the main thread where it can be borrowed (MainThread: only there does glibc reuse blocks above 64 MiB).
        MainThread.Run(() => RunHere(request, say, progress, ct));

    private static EvaluationResult RunHere(EvaluateRequest request, Action<string> say, IProgress<EvaluationProgress>? progress, CancellationToken ct)
    {
        if (request.BatchSize < 1) throw new ArgumentException($"--batch-size must be at least 1, got {request.BatchSize}");
        using var opened = ModelOnData.Open(request.Model, request.Data, request.DataRoot, request.Limit, request.Device, say);
        var attack = request.Attack is { } a ? Adversary.Untargeted(a, request.Seed) : null;
        var result = Evaluator.Evaluate(opened.Model, opened.Data, opened.Device, request.BatchSize, attack, progress, ct);
        var robust = result.RobustAccuracy is { } ra ? $", robust accuracy {ra:F4} under {request.Attack!.Describe()}" : "";
        say($"evaluate: {request.Model} on {opened.Data.Reference}: accuracy {result.Accuracy:F4}{robust} ({result.Examples:N0} examples)");
        return result;
    }
}
