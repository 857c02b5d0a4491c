using StreamPipeline.Attacks;
using StreamPipeline.Data;
using StreamPipeline.Data.Threading;
using StreamPipeline.Models;

namespace StreamPipeline.Application.Evaluation;

/// <summary>Robust accuracy of a checkpoint across attack radii (Figure 2, right), by <see cref="RobustnessSweep"/>.</summary>
public static class RobustnessSweepService
{
    public static RobustnessSweepResult Run(RobustnessSweepRequest request, Action<string> say, CancellationToken ct) =>
        // On the main thread where it can be borrowed (MainThread: only there does glibc reuse blocks above 64 MiB).
        MainThread.Run(() => RunHere(request, say, ct));

    private static RobustnessSweepResult RunHere(RobustnessSweepRequest request, Action<string> say, CancellationToken ct)
    {
        if (request.BatchSize < 1) throw new ArgumentException($"batch size must be at least 1, got {request.BatchSize}");
        using var opened = ModelOnData.Open(request.Model, request.Data, request.DataRoot, request.Limit, request.Device, say);
        var result = RobustnessSweep.Run(opened.Model, opened.Data, request.Attack, request.Eps, request.Seed, opened.Device, request.BatchSize, ct);
        say($"robustness: {request.Model} on {opened.Data.Reference} ({result.Examples:N0} examples), {Names.Norm.Of(request.Attack.Norm)} PGD-{request.Attack.Steps}: " +
            string.Join(", ", result.Points.Select(p => $"eps {p.Eps:0.###} {p.RobustAccuracy:P1}")));
        return result;
    }
}
