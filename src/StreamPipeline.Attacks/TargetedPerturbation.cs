using StreamPipeline.Models;
using static TorchSharp.torch;

namespace StreamPipeline.Attacks;

/// <summary>The shared body of D_det and D_rand: targeted PGD toward given classes (reported as the batch's targets).</summary>
internal static class TargetedPerturbation
{
    internal static ConstructedBatch Apply(
        ClassifierModel model, PerturbRequest request, Device device, int[] targets, ConstructionSettings settings, CancellationToken ct)
    {
        var source = request.Source;
        using var scope = NewDisposeScope();
        var x = BatchTensors.Images(source.Pixels, source.Count, source.Shape, device);
        var targetTensor = tensor(targets.Select(t => (long)t).ToArray(), device: device);
        using var result = PgdAttack.Run(
            model, x, x, new TargetedCrossEntropy(targetTensor), settings.Attack, source.Indices, settings.Seed, ct);

        long[] predicted;
        float[] distance;
        using (no_grad())
        {
            predicted = BatchTensors.ToLongs(model.forward(result.Adversarial).argmax(1));
            distance = BatchTensors.ToFloats(PerExample.L2Norm(result.Adversarial - x).flatten());
        }
        var success = new bool[targets.Length];
        for (var i = 0; i < success.Length; i++)
            success[i] = predicted[i] == targets[i];

        return new ConstructedBatch(
            Indices: (long[])source.Indices.Clone(),
            SourceLabels: (int[])source.Labels.Clone(),
            Targets: targets,
            StartIndices: null,
            Pixels: BatchTensors.ToFloats(result.Adversarial),
            Success: success,
            Distance: distance);
    }
}
