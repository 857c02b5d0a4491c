using StreamPipeline.Attacks;
using StreamPipeline.Models;
using StreamPipeline.Pipeline.Devices;
using TorchSharp;

namespace StreamPipeline.Application.Building;

/// <summary>
/// The torch adapter of the device pool: makes each device worker's perturber — the checkpoint loaded onto that device,
/// prepared for inference (eval mode, <paramref name="transforms"/>: by default every <see cref="InferenceTransforms"/>)
/// and the job's construction. Runs on the worker's own thread, so the model and every tensor stay on one
/// thread. Translates libtorch's device-memory failure into <see cref="DeviceOutOfMemoryException"/> (the pool splits
/// the batch); every other error passes through unchanged.
/// </summary>
public sealed class ModelPerturberFactory(
    string checkpointPath, ConstructionSettings settings, int? torchThreads = null, InferenceTransforms? transforms = null) : IPerturberFactory
{
    public IBatchPerturber Create(string device)
    {
        if (torchThreads is { } threads) torch.set_num_threads(threads);
        var torchDevice = DeviceSelector.Select(device);
        var model = LoadForAttack(checkpointPath, torchDevice, transforms ?? InferenceTransforms.All);
        return new ModelPerturber(model, Constructions.Create(settings), torchDevice);
    }

    /// <summary>
    /// The checkpoint on <paramref name="device"/>, prepared for inference with <paramref name="transforms"/>: how every
    /// attacking thread (a device worker, bench's bare loop and its filler) gets its model.
    /// </summary>
    public static ClassifierModel LoadForAttack(string checkpointPath, torch.Device device, InferenceTransforms transforms)
    {
        var (model, _) = Checkpoint.Load(checkpointPath, device);
        try
        {
            model.PrepareForInference(transforms);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// True for libtorch's allocator failures on an accelerator ("CUDA out of memory", "CUDA error: out of memory",
    /// "MPS backend out of memory"). Host memory running out is not one: a smaller batch would not help.
    /// </summary>
    public static bool IsDeviceOutOfMemory(Exception error) =>
        error is not OutOfMemoryException
        && error.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase)
        && (error.Message.Contains("CUDA", StringComparison.Ordinal) || error.Message.Contains("MPS", StringComparison.Ordinal)
            || error.Message.Contains("HIP", StringComparison.Ordinal));

    private sealed class ModelPerturber(ClassifierModel model, IConstruction construction, torch.Device device) : IBatchPerturber
    {
        public ConstructedBatch Perturb(PerturbRequest request, CancellationToken ct)
        {
            try
            {
                return construction.Apply(model, request, device, ct);
            }
            catch (Exception e) when (IsDeviceOutOfMemory(e))
            {
                throw new DeviceOutOfMemoryException($"{device}: {e.Message.Split('\n')[0].Trim()}", e);
            }
        }

        public void Dispose() => model.Dispose();
    }
}
