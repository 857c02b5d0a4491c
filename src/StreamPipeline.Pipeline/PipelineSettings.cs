using Akka.Actor;
using Akka.Configuration;

namespace StreamPipeline.Pipeline;

/// <summary>The <c>stream-pipeline</c> section of the actor system's config (defaults in hocon/pipeline.conf, the one source).</summary>
public sealed record PipelineSettings(
    int LoadParallelism,
    int PerturbInFlightPerWorker,
    TimeSpan RestartBackoffMin,
    TimeSpan RestartBackoffMax,
    TimeSpan StopTimeout,
    TimeSpan BatchTimeout)
{
    public static PipelineSettings From(ActorSystem system) => FromConfig(system.Settings.Config);

    public static PipelineSettings FromConfig(Config config)
    {
        var merged = config.WithFallback(PipelineSystem.DefaultConfig);
        var settings = new PipelineSettings(
            merged.GetInt("stream-pipeline.build.load-parallelism"),
            merged.GetInt("stream-pipeline.build.perturb-in-flight-per-worker"),
            merged.GetTimeSpan("stream-pipeline.device-pool.restart-backoff-min"),
            merged.GetTimeSpan("stream-pipeline.device-pool.restart-backoff-max"),
            merged.GetTimeSpan("stream-pipeline.device-pool.stop-timeout"),
            merged.GetTimeSpan("stream-pipeline.device-pool.batch-timeout"));
        if (settings.LoadParallelism < 1 || settings.PerturbInFlightPerWorker < 1)
            throw new ArgumentException("stream-pipeline.build: load-parallelism and perturb-in-flight-per-worker must be positive");
        if (settings.RestartBackoffMin <= TimeSpan.Zero || settings.RestartBackoffMax < settings.RestartBackoffMin)
            throw new ArgumentException("stream-pipeline.device-pool: need 0 < restart-backoff-min <= restart-backoff-max");
        if (settings.BatchTimeout <= TimeSpan.Zero)
            throw new ArgumentException("stream-pipeline.device-pool.batch-timeout must be positive");
        return settings;
    }
}
