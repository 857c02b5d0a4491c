using StreamPipeline.Attacks;
using StreamPipeline.Models;
using StreamPipeline.Pipeline.Devices;
using TorchSharp;

namespace StreamPipeline.Application.Building;

/// <summary>
/// The torch adapter of the device pool: makes each device worker's perturber — the verified checkpoint loaded onto
/// that device, prepared for inference (eval mode, <paramref name="transforms"/>: by default every
/// <see cref="InferenceTransforms"/>) and the job's construction. Runs on the worker's own thread, so the model and every
/// tensor stay on one thread. <paramref name="first"/>, a model already loaded from the checkpoint on the CPU (the one
/// preparation checked), goes to the first worker that starts, so a build loads the weights once per device.
/// Translates libtorch's device-memory failure into <see cref="DeviceOutOfMemoryException"/> (the pool splits the
/// batch); every other error passes through unchanged.
/// </summary>
public sealed class ModelPerturberFactory(
    VerifiedCheckpoint checkpoint, ConstructionSettings settings, int? torchThreads = null, InferenceTransforms? transforms = null,
    ClassifierModel? first = null) : IPerturberFactory, IDisposable
{
    private ClassifierModel? _first = first;

    /// <summary>The verified checkpoint every device's model is loaded from.</summary>
    public VerifiedCheckpoint Checkpoint => checkpoint;

    public IBatchPerturber Create(string device)
    {
        if (torchThreads is { } threads) torch.set_num_threads(threads);
        var torchDevice = DeviceSelector.Select(device);
        var model = Interlocked.Exchange(ref _first, null) is { } loaded
            ? Prepared(MovedTo(loaded, torchDevice), transforms ?? InferenceTransforms.All)
            : LoadForAttack(checkpoint, torchDevice, transforms ?? InferenceTransforms.All);
        return new ModelPerturber(model, Constructions.Create(settings), torchDevice);
    }

    /// <summary>The first device's model, when no device worker took it.</summary>
    public void Dispose() => Interlocked.Exchange(ref _first, null)?.Dispose();

    /// <summary>
    /// The checkpoint on <paramref name="device"/>, prepared for inference with <paramref name="transforms"/>: how every
    /// attacking thread (a device worker, bench's bare loop and its filler) gets its model.
    /// </summary>
    public static ClassifierModel LoadForAttack(VerifiedCheckpoint checkpoint, torch.Device device, InferenceTransforms transforms) =>
        Prepared(checkpoint.Load(device), transforms);

    private static ClassifierModel MovedTo(ClassifierModel model, torch.Device device)
    {
        try
        {
            model.to(device);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static ClassifierModel Prepared(ClassifierModel model, InferenceTransforms transforms)
    {
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
