namespace StreamPipeline.Pipeline.Devices;

/// <summary>Makes the perturber of one device worker (the model loaded onto the device plus the construction).</summary>
public interface IPerturberFactory
{
    /// <summary>
    /// Called on the worker's own dedicated thread, once each time the worker (re)starts, with the device string of
    /// the job spec (<c>cpu</c>, <c>cuda:1</c>, <c>auto</c>). May throw: the pool retries the start with backoff.
    /// </summary>
    IBatchPerturber Create(string device);
}
