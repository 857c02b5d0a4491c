namespace StreamPipeline.Cli.Inspection;

/// <summary>What <c>stream-pipeline inspect</c> reports about a job directory: its progress and the statistics of its committed rows.</summary>
public sealed record JobInspection(JobProgress Progress, ConstructionStats Stats);
