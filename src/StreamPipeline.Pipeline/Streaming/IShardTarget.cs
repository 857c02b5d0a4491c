namespace StreamPipeline.Pipeline.Streaming;

/// <summary>
/// Where a built shard goes: written and committed into the local job directory, or written and delivered to a cluster
/// coordinator. The stream calls it once per shard, one shard at a time.
/// </summary>
public interface IShardTarget
{
    /// <summary>
    /// Persists <paramref name="shard"/> (all rows, in order); <paramref name="seconds"/> is how long it took to build.
    /// Null when the shard was built but is not committed (a cluster coordinator discarded a stale delivery).
    /// </summary>
    Task<CommittedShard?> CommitAsync(ShardRows shard, double? seconds, CancellationToken ct);
}
