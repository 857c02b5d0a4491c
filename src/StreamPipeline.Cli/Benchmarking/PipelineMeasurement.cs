using StreamPipeline.Pipeline.Telemetry;

namespace StreamPipeline.Cli.Benchmarking;

/// <summary>
/// One timed run of the full build pipeline. <see cref="Elapsed"/> is the job's own clock (BuildResult.Elapsed: from the
/// open job directory to the last commit, device worker start-up included); <see cref="Wall"/> adds what the build service
/// does around it (checkpoint hash, dataset open, actor system); <see cref="CpuTime"/> is the process's processor time over <see cref="Wall"/>.
/// </summary>
public sealed record PipelineMeasurement(
    TimeSpan Elapsed, TimeSpan Wall, TimeSpan CpuTime, long Images, int Steps, int Devices, long BytesWritten, PipelineStats Stats, long? PeakRssBytes)
{
    /// <summary>VmRSS when the phase began (after the peak was reset), to read the peak against; null without /proc.</summary>
    public long? StartRssBytes { get; init; }

    public double ImgStepsPerSecond => Elapsed.TotalSeconds > 0 ? (double)Images * Steps / Elapsed.TotalSeconds : 0;

    /// <summary>Shard bytes written per second of the persist stage (PNG encoding, Parquet writing, fsync, hashing), in MB (10^6 bytes).</summary>
    public double ParquetWriteMBPerSecond => Stats.Persist.Seconds > 0 ? BytesWritten / 1e6 / Stats.Persist.Seconds : 0;

    /// <summary>Device busy time over elapsed time, averaged over the devices (1 = never idle).</summary>
    public double DeviceBusyShare => Elapsed.TotalSeconds > 0 && Devices > 0
        ? Stats.DeviceBusySeconds.Values.Sum() / (Elapsed.TotalSeconds * Devices)
        : 0;
}
