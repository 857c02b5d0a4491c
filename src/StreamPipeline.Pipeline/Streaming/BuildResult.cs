using StreamPipeline.Pipeline.Telemetry;

namespace StreamPipeline.Pipeline.Streaming;

/// <summary>
/// What a build run did: <see cref="ShardsSkipped"/> were done by earlier runs; rows and bytes count this run only.
/// <see cref="Stats"/> is the metrics' snapshot (cumulative over the runs that share one <see cref="PipelineMetrics"/>).
/// </summary>
public sealed record BuildResult(
    string JobDir,
    int ShardsTotal,
    int ShardsSkipped,
    int ShardsCommitted,
    long RowsTotal,
    long RowsWritten,
    long BytesWritten,
    TimeSpan Elapsed,
    IReadOnlyList<string> RemovedLeftovers,
    IReadOnlyList<Jobs.DamagedShard> DamagedShards,
    PipelineStats Stats)
{
    public bool Complete => ShardsSkipped + ShardsCommitted == ShardsTotal;

    public double RowsPerSecond => Elapsed.TotalSeconds > 0 ? RowsWritten / Elapsed.TotalSeconds : 0;
}
