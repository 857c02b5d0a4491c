namespace StreamPipeline.Data.Parquet;

/// <summary>A committed shard file: its final path, row count, SHA-256 (lower-case hex) of its bytes and its size.</summary>
public sealed record ShardFileInfo(string Path, long Rows, string Sha256, long Bytes);
