using StreamPipeline.Data;
using StreamPipeline.Pipeline.Planning;

namespace StreamPipeline.Pipeline.Streaming;

/// <summary>Stream element before the persist stage: all rows of one shard, in source order.</summary>
public sealed record ShardRows(ShardPlan Shard, IReadOnlyList<ConstructedRow> Rows);
