using Akka.Streams;

namespace StreamPipeline.Cluster.Protocol;

// Messages a worker sends its coordinator. Plain records: they cross the network (JSON; shard bytes as a StreamRef).
// `Worker` is the worker node's address (host:port), the name the manifest and the metrics record.

/// <summary>A worker offers to build; <paramref name="PinnedSpecHash"/>: it serves only the job with this spec hash (null: any).</summary>
public sealed record RegisterWorker(string Worker, IReadOnlyList<string> Devices, string? PinnedSpecHash);

/// <summary>The worker checked its own model and data against the job's identity and is ready to take leases.</summary>
public sealed record WorkerReady(string Worker);

/// <summary>The worker cannot serve the job offered (its model or data differs); it leaves.</summary>
public sealed record WorkerRefusesJob(string Worker, string Reason);

/// <summary>Work pulling: the worker has room for one more shard.</summary>
public sealed record RequestLease(string Worker);

/// <summary>The worker still holds, and works on, these leases.</summary>
public sealed record RenewLeases(string Worker, long[] LeaseIds);

/// <summary>A built shard: its declared size and SHA-256, and its file's bytes as a stream of chunks.</summary>
public sealed record DeliverShard(string Worker, long LeaseId, int ShardId, long Rows, string Sha256, long Bytes, double? Seconds, ISourceRef<byte[]> Data);

/// <summary>The worker could not build the shard of this lease (a batch kept failing); it goes back to the queue.</summary>
public sealed record ShardBuildFailed(string Worker, long LeaseId, string Error);
