using StreamPipeline.Attacks;
using StreamPipeline.Models;
using StreamPipeline.Pipeline.Devices;
using TorchSharp;

namespace StreamPipeline.Pipeline.Construction;

/// <summary>
/// Makes each device worker's perturber: the checkpoint loaded onto that device (in eval mode) and the job's construction.
/// Runs on the worker's own thread, so the model and every tensor stay on one thread.
/// </summary>
public sealed class ModelPerturberFactory(string checkpointPath, ConstructionSettings settings, int? torchThreads = null) : IPerturberFactory
{
    public IBatchPerturber Create(string device)
    {
        if (torchThreads is { } threads) torch.set_num_threads(threads);
        var torchDevice = DeviceSelector.Select(device);
        var (model, _) = Checkpoint.Load(checkpointPath, torchDevice);
        model.eval();
        return new ModelPerturber(model, Constructions.Create(settings), torchDevice);
    }

    private sealed class ModelPerturber(ClassifierModel model, IConstruction construction, torch.Device device) : IBatchPerturber
    {
        public ConstructedBatch Perturb(PerturbRequest request, CancellationToken ct) => construction.Apply(model, request, device, ct);

        public void Dispose() => model.Dispose();
    }
}
