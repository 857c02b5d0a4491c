namespace StreamPipeline.Cluster.Workers;

/// <summary>How a worker's service ended.</summary>
public enum WorkerEnd
{
    /// <summary>The coordinator said the job is finished.</summary>
    JobFinished,
    /// <summary>The job failed (the coordinator said so, or this worker's builds kept failing).</summary>
    JobFailed,
    /// <summary>The coordinator refused this worker, or the worker could not serve its job.</summary>
    Refused,
    /// <summary>The coordinator did not answer within the coordinator timeout.</summary>
    CoordinatorGone,
}

/// <summary>How a worker's service ended, with one line saying why, and what it delivered.</summary>
public sealed record WorkerOutcome(WorkerEnd End, string Message, int ShardsDelivered, int ShardsDiscarded, long RowsDelivered);
