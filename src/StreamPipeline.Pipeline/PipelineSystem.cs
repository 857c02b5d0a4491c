using Akka.Actor;
using Akka.Configuration;
using StreamPipeline.Configuration;

namespace StreamPipeline.Pipeline;

/// <summary>Creates the actor system of a build with the settings of hocon/pipeline.conf (embedded).</summary>
public static class PipelineSystem
{
    /// <summary>The pinned dispatcher of device workers: one dedicated thread per worker.</summary>
    public const string DeviceDispatcherId = "stream-pipeline.device-dispatcher";

    /// <summary>hocon/pipeline.conf.</summary>
    public static Config DefaultConfig => EmbeddedDefaults.Akka;

    /// <summary>An actor system with <paramref name="overrides"/> over hocon/pipeline.conf.</summary>
    public static ActorSystem Create(string name = "stream-pipeline", Config? overrides = null) =>
        ActorSystem.Create(name, overrides is null ? DefaultConfig : overrides.WithFallback(DefaultConfig));
}
