using StreamPipeline.Pipeline.Specs;

namespace StreamPipeline.Pipeline.Devices;

/// <summary>What a <see cref="DevicePool"/> needs: its devices, the retry limit, injected faults, restart backoff and the per-attempt deadline.</summary>
public sealed record DevicePoolSettings(
    IReadOnlyList<string> Devices,
    int MaxRetries,
    FaultInjection Faults,
    TimeSpan RestartBackoffMin,
    TimeSpan RestartBackoffMax,
    TimeSpan BatchTimeout)
{
    public static DevicePoolSettings From(JobSpec spec, PipelineSettings pipeline) =>
        new(spec.Devices, spec.MaxRetries, spec.Faults, pipeline.RestartBackoffMin, pipeline.RestartBackoffMax, pipeline.BatchTimeout);

    /// <summary>min * 2^(failures-1), capped at max.</summary>
    public TimeSpan Backoff(int consecutiveFailures)
    {
        var factor = Math.Pow(2, Math.Clamp(consecutiveFailures - 1, 0, 30));
        var ticks = Math.Min(RestartBackoffMin.Ticks * factor, RestartBackoffMax.Ticks);
        return TimeSpan.FromTicks((long)ticks);
    }
}
