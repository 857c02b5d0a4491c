namespace StreamPipeline.Cluster.Coordination;

/// <summary>A snapshot of the coordinator: the shards, and each worker.</summary>
public sealed record CoordinatorStatus(int ShardsTotal, int ShardsDone, int Pending, int Leased, long RowsTotal, long RowsDone, long Expired, long Discarded,
    IReadOnlyList<WorkerView> Workers);
