using StreamPipeline.Attacks;
using StreamPipeline.Data;
using StreamPipeline.Models;

namespace StreamPipeline.Application.Evaluation;

/// <summary>Robust accuracy of a checkpoint across attack radii (Figure 2, right), by <see cref="RobustnessSweep"/>.</summary>
public static class RobustnessSweepService
{
    public static RobustnessSweepResult Run(RobustnessSweepRequest request, Action<string> say, CancellationToken ct)
    {
        if (request.BatchSize < 1) throw new ArgumentException($"batch size must be at least 1, got {request.BatchSize}");
        var device = DeviceSelector.Select(request.Device, say);
        using var data = DatasetReference.Open(request.Data, new DatasetOptions(request.DataRoot, request.Limit));
        var (model, info) = Checkpoint.Load(request.Model, device);
        using var _ = model;
        Checkpoint.CheckCompatible(info, data.Shape, data.Classes);
        var result = RobustnessSweep.Run(model, data, request.Attack, request.Eps, request.Seed, device, request.BatchSize, ct);
        say($"robustness: {request.Model} on {data.Reference} ({result.Examples:N0} examples), {Names.Norm.Of(request.Attack.Norm)} PGD-{request.Attack.Steps}: " +
            string.Join(", ", result.Points.Select(p => $"eps {p.Eps:0.###} {p.RobustAccuracy:P1}")));
        return result;
    }
}
