using StreamPipeline.Models;
using TorchSharp;

namespace StreamPipeline.Attacks;

/// <summary>D_det: targeted PGD toward t = (y + 1) mod C; the constructed example is (x_adv, t).</summary>
public sealed class DeterministicTarget : IConstruction
{
    private readonly ConstructionSettings _settings;

    public DeterministicTarget(ConstructionSettings settings)
    {
        if (settings.Kind != ConstructionKind.Det)
            throw new ArgumentException($"{nameof(DeterministicTarget)} builds {ConstructionKind.Det}, settings say {settings.Kind}", nameof(settings));
        _settings = settings.Validate();
    }

    public ConstructionKind Kind => ConstructionKind.Det;

    public static int TargetFor(int label, int classes) => (label + 1) % classes;

    public ConstructedBatch Apply(ClassifierModel model, PerturbRequest request, torch.Device device, CancellationToken ct = default)
    {
        BatchTensors.CheckSource(model, request.Source);
        var targets = request.Source.Labels.Select(y => TargetFor(y, model.Classes)).ToArray();
        return TargetedPerturbation.Apply(model, request, device, targets, _settings, ct);
    }
}
