namespace StreamPipeline.Pipeline.Devices;

/// <summary>
/// Runs the construction on one device. Created, used and disposed on its worker's own dedicated thread
/// (TorchSharp dispose scopes are per thread); results leave as plain arrays.
/// </summary>
public interface IBatchPerturber : IDisposable
{
    /// <summary>
    /// Perturbs one batch, synchronously; rows come back in the request's order. Throw
    /// <see cref="DeviceOutOfMemoryException"/> when the batch does not fit in device memory (the adapter of a device
    /// library translates its own out-of-memory error): the pool splits the batch. Check <paramref name="ct"/> between
    /// PGD iterations.
    /// </summary>
    ConstructedBatch Perturb(PerturbRequest request, CancellationToken ct);
}
