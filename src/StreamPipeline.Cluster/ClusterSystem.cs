using Akka.Actor;
using Akka.Configuration;
using StreamPipeline.Cluster.Network;
using StreamPipeline.Pipeline;
using StreamPipeline.Configuration;

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
    /// The node's final Akka settings: <paramref name="overrides"/> (--cluster-conf, --tls-cert) over the endpoint over
    /// the defaults, with TLS switched on when a certificate is named.
    /// </summary>
    public static Config Merge(ClusterEndpoint endpoint, Config? overrides)
    {
        // Akka.NET's DotNetty transport binds `hostname` and advertises `public-hostname`.
        var node = ConfigurationFactory.ParseString($$"""
            akka.remote.dot-netty.tcp {
              hostname = "{{endpoint.BindHost}}"
              public-hostname = "{{endpoint.PublicHost}}"
              port = {{endpoint.Port}}
            }
            """);
        var config = (overrides ?? Config.Empty).WithFallback(node).WithFallback(DefaultConfig).WithFallback(PipelineSystem.DefaultConfig);
        return ClusterTls.IsConfigured(config)
            ? ConfigurationFactory.ParseString("akka.remote.dot-netty.tcp.enable-ssl = true").WithFallback(config)
            : config;
    }

    /// <summary>
    /// Checks, before any work, that the node may listen where its merged settings say and that the port is free.
    /// </summary>
    /// <exception cref="ArgumentException">One line naming the address or port.</exception>
    public static void CheckEndpoint(ClusterEndpoint endpoint, Config? overrides) =>
        ListenRule.BeforeStart(Merge(endpoint, overrides), endpoint.Insecure, probe: true);

    /// <summary>
    /// A cluster node listening at <paramref name="endpoint"/>, joining <paramref name="seed"/> (itself when null).
    /// What it listens on is checked against <see cref="ListenRule"/> in the kernel's socket table once it has started.
    /// </summary>
    /// <exception cref="ArgumentException">It may not listen there, or the port is taken (the node is stopped).</exception>
    public static ActorSystem Create(string role, ClusterEndpoint endpoint, string? seed, Config? overrides = null)
    {
        var config = ConfigurationFactory.ParseString($"akka.cluster.roles = [\"{role}\"]").WithFallback(Merge(endpoint, overrides));
        ListenRule.BeforeStart(config, endpoint.Insecure, probe: false);
        var setup = BootstrapSetup.Create().WithConfig(config);
        var before = ListenRule.Snapshot();
        ActorSystem system;
        try
        {
            system = ClusterTls.From(config) is { } tls ? ActorSystem.Create(SystemName, setup.And(tls)) : ActorSystem.Create(SystemName, setup);
        }
        catch (Exception e) when (ListenRule.IsPortTaken(e))
        {
            throw new ArgumentException($"port {endpoint.Port} on {endpoint.BindHost} is taken: another process listens there; choose another --port", e);
        }
        try
        {
            ListenRule.AfterStart(before, config, endpoint.Insecure);
        }
        catch (ArgumentException)
        {
            system.Terminate().Wait(TimeSpan.FromSeconds(10));
            throw;
        }
        var self = Akka.Cluster.Cluster.Get(system).SelfAddress;
        Akka.Cluster.Cluster.Get(system).JoinSeedNodes([seed is null ? self : Address.Parse($"{self.Protocol}://{SystemName}@{seed}")]);
        return system;
    }

    /// <summary>The coordinator's actor path at <paramref name="hostPort"/>, over the transport <paramref name="system"/> uses (plain or TLS).</summary>
    public static string CoordinatorPath(ActorSystem system, string hostPort) =>
        $"{Akka.Cluster.Cluster.Get(system).SelfAddress.Protocol}://{SystemName}@{hostPort}/user/{CoordinatorActorName}";
}
