namespace StreamPipeline.Cluster.Workers;

/// <summary>What a worker process delivered over all its sessions.</summary>
internal sealed class WorkerTally
{
    private int _delivered;
    private int _discarded;

    public void Delivered(bool accepted)
    {
        if (accepted) Interlocked.Increment(ref _delivered);
        else Interlocked.Increment(ref _discarded);
    }

    public int ShardsDelivered => Volatile.Read(ref _delivered);

    public int ShardsDiscarded => Volatile.Read(ref _discarded);

    public WorkerOutcome Outcome(WorkerEnd end, string message) => new(end, message, ShardsDelivered, ShardsDiscarded, 0);
}
