using StreamPipeline.Models;
using TorchSharp;

namespace StreamPipeline.Attacks;

/// <summary>D_rand: targeted PGD toward a target drawn uniformly per example from (seed, index); the example is (x_adv, t).</summary>
public sealed class RandomTarget : IConstruction
{
    private readonly ConstructionSettings _settings;

    public RandomTarget(ConstructionSettings settings)
    {
        if (settings.Kind != ConstructionKind.Rand)
            throw new ArgumentException($"{nameof(RandomTarget)} builds {ConstructionKind.Rand}, settings say {settings.Kind}", nameof(settings));
        _settings = settings.Validate();
    }

    public ConstructionKind Kind => ConstructionKind.Rand;

    /// <summary>
    /// Uniform over all C classes, so t may equal y (probability 1/C), as in the paper's uniform draw; such an
    /// example is simply pushed further toward its own class.
    /// </summary>
    public static int TargetFor(long seed, long index, int classes) =>
        new ExampleRandom(seed, index, RandomPurpose.Target).NextInt(classes);

    public ConstructedBatch Apply(ClassifierModel model, PerturbRequest request, torch.Device device, CancellationToken ct = default)
    {
        BatchTensors.CheckSource(model, request.Source);
        var targets = request.Source.Indices.Select(i => TargetFor(_settings.Seed, i, model.Classes)).ToArray();
        return TargetedPerturbation.Apply(model, request, device, targets, _settings, ct);
    }
}
