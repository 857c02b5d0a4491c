namespace StreamPipeline.Cluster.Leases;

/// <summary>The right of one worker to build one shard until <see cref="DeadlineUtc"/> (extended by renewals).</summary>
public sealed record Lease(long LeaseId, ShardPlan Shard, string Worker, DateTime GrantedUtc, DateTime DeadlineUtc);
