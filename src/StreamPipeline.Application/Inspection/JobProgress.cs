using StreamPipeline.Data.Jobs;

namespace StreamPipeline.Application.Inspection;

/// <summary>Where a job stands according to its manifest: what it builds, and how many shards and rows are committed.</summary>
public sealed record JobProgress(
    string JobDir,
    string Construction,
    string Data,
    long TotalExamples,
    int ShardSize,
    int ShardsTotal,
    int ShardsDone,
    long RowsDone,
    bool Complete,
    SpecSummary Spec,
    string ModelSha256,
    string SpecHash)
{
    /// <summary>Rows done as a percentage of the job's examples (100 for an empty job).</summary>
    public double Percent => TotalExamples > 0 ? 100.0 * RowsDone / TotalExamples : 100.0;

    public static JobProgress From(string jobDir, Manifest manifest) => new(
        jobDir,
        manifest.Spec["construction"] is System.Text.Json.Nodes.JsonValue c && c.TryGetValue<string>(out var kind) ? kind : "unknown",
        manifest.DataRef,
        manifest.TotalExamples,
        manifest.ShardSize,
        manifest.Shards.Count,
        manifest.DoneShards.Count(),
        manifest.RowsDone,
        manifest.IsComplete,
        SpecSummary.From(manifest.Spec),
        manifest.ModelSha256,
        manifest.SpecHash);
}
