using StreamPipeline.Pipeline.Jobs;
using StreamPipeline.Pipeline.Sinks;

namespace StreamPipeline.Pipeline.Streaming;

/// <summary>The single-process target: the sink writes the shard into the job's data/ folder, the job directory records it.</summary>
public sealed class LocalShardTarget(JobDirectory directory, IShardSink sink, string? node = null) : IShardTarget
{
    public async Task<CommittedShard?> CommitAsync(ShardRows shard, double? seconds, CancellationToken ct)
    {
        // Never write into a directory that is no longer the one this build locked (it was moved or replaced).
        directory.EnsureStillLocked();
        var committed = await sink.CommitAsync(shard.Shard, shard.Rows, directory.DataDir, ct).ConfigureAwait(false);
        if (committed.Id != shard.Shard.Id)
            throw new InvalidOperationException($"the shard sink committed shard {committed.Id} when asked for {shard.Shard}");
        // No cancellation from here: a file in place is recorded, so it is not redone.
        directory.MarkCommitted(committed, node, seconds);
        return committed;
    }
}
