namespace StreamPipeline.Data.Jobs;

/// <summary>A shard file in place: <paramref name="File"/> is its name relative to the job's data directory.</summary>
public sealed record CommittedShard(int Id, string File, long Rows, string Sha256, long Bytes);
