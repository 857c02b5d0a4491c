namespace StreamPipeline.Pipeline.Streaming;

/// <summary>What a run's progress is measured against: the job's shards and rows, and how many were done before it began.</summary>
public sealed record BuildScope(int ShardsTotal, long RowsTotal, int ShardsDoneAtStart, long RowsDoneAtStart);
