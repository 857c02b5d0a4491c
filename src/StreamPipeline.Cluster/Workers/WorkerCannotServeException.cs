namespace StreamPipeline.Cluster.Workers;

/// <summary>The worker's model or data is not the job's (or it serves another job): one line saying what differs.</summary>
public sealed class WorkerCannotServeException(string message) : Exception(message);
