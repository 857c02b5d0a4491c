namespace StreamPipeline.Data.Parquet;

/// <summary>What a shard file's footer says: its row count and its metadata (spec hash, model, shape, classes).</summary>
public sealed record ShardFooter(long Rows, ConstructedDatasetMetadata Metadata);
