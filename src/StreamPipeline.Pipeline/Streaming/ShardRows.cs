using StreamPipeline.Data;

namespace StreamPipeline.Pipeline.Streaming;

/// <summary>Stream element before the persist stage: all rows of one shard, in source order.</summary>
public sealed record ShardRows(ShardPlan Shard, IReadOnlyList<ConstructedRow> Rows);
