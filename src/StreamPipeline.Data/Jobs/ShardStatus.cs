namespace StreamPipeline.Data.Jobs;

/// <summary>Where a shard stands in the manifest: done only once its file is committed.</summary>
public enum ShardStatus
{
    Pending,
    Done,
}
