namespace StreamPipeline.Cluster.Coordination;

/// <summary>Asks a <see cref="JobCoordinator"/> whether the job has ended and every live worker has been told so (answer: bool).</summary>
internal sealed record AllWorkersTold;
