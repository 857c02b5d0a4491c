namespace StreamPipeline.Cluster.Protocol;

// Messages a coordinator sends its workers.

/// <summary>
/// The job a worker is to serve: its spec (HOCON, as job.conf), and what identifies it — the spec hash, the model's
/// SHA-256 and the source data's fingerprint, which the worker's own copies must match.
/// </summary>
public sealed record JobOffer(string SpecHocon, string SpecHash, string ModelSha256, string? DataFingerprint, long TotalExamples, int ShardsTotal,
    TimeSpan RenewInterval);

/// <summary>The coordinator will not take this worker (another job's, or a refused identity); one line saying why.</summary>
public sealed record WorkerRefused(string Reason);

/// <summary>A shard to build, until <paramref name="DeadlineUtc"/> unless renewed.</summary>
public sealed record LeaseGranted(long LeaseId, int ShardId, long Start, int Count, DateTime DeadlineUtc);

/// <summary>Nothing to hand out now (everything pending is leased); ask again after <paramref name="RetryAfter"/>.</summary>
public sealed record NoLeaseNow(TimeSpan RetryAfter);

/// <summary>Every shard is committed (or the job failed): the worker finishes what it has and leaves.</summary>
public sealed record JobFinished(bool Complete, string Message);

/// <summary>The answer to a renewal: the leases the worker no longer holds (expired or reassigned).</summary>
public sealed record LeasesRenewed(long[] Lost);

/// <summary>The delivered shard is committed (exactly once).</summary>
public sealed record ShardAccepted(int ShardId, long LeaseId);

/// <summary>The delivered shard was not committed: its lease had expired or been reassigned, or its bytes did not check out.</summary>
public sealed record ShardDiscarded(int ShardId, long LeaseId, string Reason);

/// <summary>The coordinator took note (of a ready worker, a refusal, a failed shard).</summary>
public sealed record Acknowledged;
