using StreamPipeline.Models;
using TorchSharp;

namespace StreamPipeline.Attacks;

/// <summary>
/// One of the paper's dataset constructions applied to a batch: runs synchronously on the calling thread (the
/// device's thread), moves the batch to <c>device</c> (where the model already is), and returns plain arrays.
/// </summary>
public interface IConstruction
{
    ConstructionKind Kind { get; }

    ConstructedBatch Apply(ClassifierModel model, PerturbRequest request, torch.Device device, CancellationToken ct = default);
}
