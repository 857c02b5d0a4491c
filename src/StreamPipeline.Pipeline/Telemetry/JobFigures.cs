namespace StreamPipeline.Pipeline.Telemetry;

/// <summary>
/// A job's progress as its manifest records it — every run's commits, not only this process's — for the job-level
/// gauges (<c>stream_pipeline.job.*</c>) that survive a resume.
/// </summary>
public sealed record JobFigures(string Construction, long RowsCommitted, long RowsTotal, int ShardsCommitted, int ShardsTotal);
