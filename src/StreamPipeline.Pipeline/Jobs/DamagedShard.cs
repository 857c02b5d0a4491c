namespace StreamPipeline.Pipeline.Jobs;

/// <summary>A shard the manifest recorded done whose file did not check out on resume; it is rebuilt.</summary>
public sealed record DamagedShard(int Id, string Path, ShardCheck Check, string Problem);
