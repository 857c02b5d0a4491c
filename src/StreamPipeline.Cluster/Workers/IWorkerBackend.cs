using StreamPipeline.Cluster.Protocol;

namespace StreamPipeline.Cluster.Workers;

/// <summary>
/// The device side of a worker (the torch part, which this torch-free project does not reference): given the job a
/// coordinator offers, it opens the worker's own copy of the data and checkpoint, checks them against the job's
/// identity and makes the perturbers for the worker's devices.
/// </summary>
public interface IWorkerBackend
{
    /// <summary>What the local pipeline needs; throws <see cref="WorkerCannotServeException"/> with one line when the worker's copies differ.</summary>
    PreparedWork Prepare(JobOffer offer);
}
