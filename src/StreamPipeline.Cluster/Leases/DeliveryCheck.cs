namespace StreamPipeline.Cluster.Leases;

/// <summary>Whether a worker's result for a lease may be committed.</summary>
public enum DeliveryCheck
{
    /// <summary>The lease is the shard's current one, held by this worker, not expired: commit.</summary>
    Current,
    /// <summary>The lease ran past its deadline (the shard went back to the queue, maybe to another worker): discard.</summary>
    Expired,
    /// <summary>No such lease, another worker's, or a lease for another shard: discard.</summary>
    Unknown,
    /// <summary>The shard is already committed: discard (exactly once).</summary>
    AlreadyDone,
}
