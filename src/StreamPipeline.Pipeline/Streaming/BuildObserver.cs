using StreamPipeline.Pipeline.Sinks;

namespace StreamPipeline.Pipeline.Streaming;

/// <summary>
/// Progress callbacks of a build, for a live view. Called from stream threads: keep them quick; an exception
/// thrown here is logged and ignored.
/// </summary>
public abstract class BuildObserver
{
    /// <summary>The job directory is open; <paramref name="progress"/> counts the shards done by earlier runs.</summary>
    public virtual void OnStarted(BuildProgress progress)
    {
    }

    /// <summary>A batch came back from a device.</summary>
    public virtual void OnBatchPerturbed(BuildProgress progress)
    {
    }

    /// <summary>A shard file is in place and the manifest records it.</summary>
    public virtual void OnShardCommitted(CommittedShard shard, BuildProgress progress)
    {
    }
}
