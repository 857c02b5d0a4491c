using Akka.Actor;
using Akka.Configuration;
using StreamPipeline.Pipeline;
using StreamPipeline.Pipeline.Configuration;

namespace StreamPipeline.Cluster;

/// <summary>Creates the actor system of a cluster node: hocon/cluster.conf over hocon/pipeline.conf, with the node's address, role and seed.</summary>
public static class ClusterSystem
{
    /// <summary>Every node of every job's cluster uses this actor system name (nodes of another job are refused by the coordinator).</summary>
    public const string SystemName = "stream-pipeline";

    public const string CoordinatorRole = "coordinator";
    public const string WorkerRole = "worker";

    /// <summary>The coordinator actor's name: workers find it at <c>akka.tcp://stream-pipeline@HOST:PORT/user/coordinator</c> (<c>akka.ssl.tcp</c> with TLS).</summary>
    public const string CoordinatorActorName = "coordinator";

    private static readonly Lazy<Config> Embedded = new(() => ConfigurationFactory.ParseString(EmbeddedDefaults.ReadFrom(typeof(ClusterSystem).Assembly, "StreamPipeline.Cluster.cluster.conf")));

    /// <summary>hocon/cluster.conf.</summary>
    public static Config DefaultConfig => Embedded.Value;

    /// <summary>
    /// A cluster node bound to <paramref name="bindHost"/>:<paramref name="port"/> (0 = any free port), reachable by
    /// others at <paramref name="publicHost"/>, joining <paramref name="seed"/> (itself when null).
    /// </summary>
    public static ActorSystem Create(string role, string bindHost, int port, string publicHost, string? seed, Config? overrides = null)
    {
        var node = ConfigurationFactory.ParseString($$"""
            akka.remote.dot-netty.tcp {
              hostname = "{{publicHost}}"
              public-hostname = "{{publicHost}}"
              bind-hostname = "{{bindHost}}"
              port = {{port}}
            }
            akka.cluster.roles = ["{{role}}"]
            """);
        var config = (overrides ?? Config.Empty).WithFallback(node).WithFallback(DefaultConfig).WithFallback(PipelineSystem.DefaultConfig);
        var setup = BootstrapSetup.Create().WithConfig(config);
        var system = ClusterTls.From(config) is { } tls
            ? ActorSystem.Create(SystemName, setup.WithConfig(ConfigurationFactory.ParseString("akka.remote.dot-netty.tcp.enable-ssl = true").WithFallback(config)).And(tls))
            : ActorSystem.Create(SystemName, setup);
        var self = Akka.Cluster.Cluster.Get(system).SelfAddress;
        Akka.Cluster.Cluster.Get(system).JoinSeedNodes([seed is null ? self : Address.Parse($"{self.Protocol}://{SystemName}@{seed}")]);
        return system;
    }

    /// <summary>The coordinator's actor path at <paramref name="hostPort"/>, over the transport <paramref name="system"/> uses (plain or TLS).</summary>
    public static string CoordinatorPath(ActorSystem system, string hostPort) =>
        $"{Akka.Cluster.Cluster.Get(system).SelfAddress.Protocol}://{SystemName}@{hostPort}/user/{CoordinatorActorName}";
}
