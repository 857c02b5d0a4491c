namespace StreamPipeline.Application.Inspection;

/// <summary>What <c>stream-pipeline inspect</c> reports about a job directory: its progress, the statistics of its committed rows, and who built them.</summary>
public sealed record JobInspection(JobProgress Progress, ConstructionStats Stats)
{
    /// <summary>What each node (a cluster worker, or "local") committed.</summary>
    public IReadOnlyList<NodeStats> Nodes { get; init; } = [];
}
