using StreamPipeline.Pipeline.Telemetry;

namespace StreamPipeline.Pipeline.Streaming;

/// <summary>Where a build stands: shards and rows done (committed, including earlier runs) and the pipeline's counters.</summary>
public sealed record BuildProgress(int ShardsTotal, int ShardsDone, long RowsTotal, long RowsDone, long RowsDoneAtStart, TimeSpan Elapsed, PipelineStats Stats)
{
    /// <summary>Rows committed per second in this run.</summary>
    public double RowsPerSecond => Elapsed.TotalSeconds > 0 ? (RowsDone - RowsDoneAtStart) / Elapsed.TotalSeconds : 0;

    /// <summary>Time left at this run's rate; null before the first commit.</summary>
    public TimeSpan? EstimatedRemaining => RowsPerSecond > 0 ? TimeSpan.FromSeconds((RowsTotal - RowsDone) / RowsPerSecond) : null;
}
