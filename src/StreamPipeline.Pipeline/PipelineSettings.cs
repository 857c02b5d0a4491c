using Akka.Actor;
using Akka.Configuration;

namespace StreamPipeline.Pipeline;

/// <summary>The <c>stream-pipeline</c> section of the actor system's config (defaults in hocon/pipeline.conf).</summary>
public sealed record PipelineSettings(
    int LoadParallelism,
    int PerturbInFlightPerWorker,
    TimeSpan RestartBackoffMin,
    TimeSpan RestartBackoffMax,
    TimeSpan StopTimeout)
{
    public static PipelineSettings From(ActorSystem system) => FromConfig(system.Settings.Config);

    public static PipelineSettings FromConfig(Config config)
    {
        var merged = config.WithFallback(PipelineSystem.DefaultConfig);
        var settings = new PipelineSettings(
            merged.GetInt("stream-pipeline.build.load-parallelism", 2),
            merged.GetInt("stream-pipeline.build.perturb-in-flight-per-worker", 2),
            merged.GetTimeSpan("stream-pipeline.device-pool.restart-backoff-min", TimeSpan.FromMilliseconds(200)),
            merged.GetTimeSpan("stream-pipeline.device-pool.restart-backoff-max", TimeSpan.FromSeconds(10)),
            merged.GetTimeSpan("stream-pipeline.device-pool.stop-timeout", TimeSpan.FromSeconds(60)));
        if (settings.LoadParallelism < 1 || settings.PerturbInFlightPerWorker < 1)
            throw new ArgumentException("stream-pipeline.build: load-parallelism and perturb-in-flight-per-worker must be positive");
        if (settings.RestartBackoffMin <= TimeSpan.Zero || settings.RestartBackoffMax < settings.RestartBackoffMin)
            throw new ArgumentException("stream-pipeline.device-pool: need 0 < restart-backoff-min <= restart-backoff-max");
        return settings;
    }
}
