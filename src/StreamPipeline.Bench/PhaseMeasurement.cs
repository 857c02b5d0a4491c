using StreamPipeline.Pipeline.Telemetry;

namespace StreamPipeline.Bench;

/// <summary>
/// One timed phase run in this process (bare, pipeline or cluster). <see cref="Cost"/> covers the timed window only:
/// from the moment the (first) device is warmed up and ready to the last batch done (bare) or the last shard committed
/// (pipeline, cluster) — the same work measured the same way. <see cref="WallWithSetup"/>/<see cref="CpuWithSetup"/> add
/// what a build does around it (checkpoint hash, dataset open, actor system, model load, warm-up, shutdown).
/// </summary>
/// <param name="TorchThreads">The intra-op thread count each device thread saw (one entry per device worker).</param>
/// <param name="AttackSuccessRate">Share of examples whose attack reached its target; null where the phase does not see it (cluster).</param>
public sealed record PhaseMeasurement(BenchPhase Phase, long Images, int Steps, IReadOnlyList<int> TorchThreads, PhaseCost Cost, double? AttackSuccessRate)
{
    /// <summary>Whether a device's torch work ran on the process's main thread (MainThread: where glibc reuses blocks above 64 MiB).</summary>
    public bool OnMainThread { get; init; }

    /// <summary>VmHWM read at the end of the phase, after it was reset at its start; null without /proc.</summary>
    public long? PeakRssBytes { get; init; }

    /// <summary>VmRSS at the start of the phase (after the reset), to read the peak against.</summary>
    public long? StartRssBytes { get; init; }

    public TimeSpan? WallWithSetup { get; init; }

    public TimeSpan? CpuWithSetup { get; init; }

    /// <summary>Parquet bytes committed (pipeline, cluster).</summary>
    public long? BytesWritten { get; init; }

    /// <summary>The build's own counters (pipeline): stage wall times, device busy time.</summary>
    public PipelineStats? Stats { get; init; }

    public double ImgStepsPerSecond => Cost.Elapsed.TotalSeconds > 0 ? (double)Images * Steps / Cost.Elapsed.TotalSeconds : 0;

    /// <summary>Image-PGD-steps per processor-second of the whole process: what the work cost, however busy the machine was.</summary>
    public double ImgStepsPerCpuSecond => Cost.Cpu.TotalSeconds > 0 ? (double)Images * Steps / Cost.Cpu.TotalSeconds : 0;

    /// <summary>Processor seconds per second of the window: near the torch thread count when the phase had the cores to itself.</summary>
    public double CoresInUse => Cost.Elapsed.TotalSeconds > 0 ? Cost.Cpu.TotalSeconds / Cost.Elapsed.TotalSeconds : 0;

    public double AllocatedBytesPerImage => Images > 0 ? (double)Cost.AllocatedBytes / Images : 0;

    /// <summary>Device busy time over the timed window, averaged over the devices (pipeline only; 1 = never idle).</summary>
    public double? DeviceBusyShare => Stats is { } s && Cost.Elapsed.TotalSeconds > 0 && TorchThreads.Count > 0
        ? s.DeviceBusySeconds.Values.Sum() / (Cost.Elapsed.TotalSeconds * TorchThreads.Count)
        : null;

    /// <summary>Shard bytes written per second of the persist stage (PNG encoding, Parquet, fsync, hashing), in MB (10^6 bytes).</summary>
    public double? ParquetWriteMBPerSecond => Stats is { } s && BytesWritten is { } bytes && s.Persist.Seconds > 0 ? bytes / 1e6 / s.Persist.Seconds : null;
}
