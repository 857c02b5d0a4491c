using Akka.Configuration;

namespace StreamPipeline.Cluster;

/// <summary>The <c>stream-pipeline.cluster</c> section (defaults in hocon/cluster.conf, the one source).</summary>
public sealed record ClusterSettings(
    TimeSpan LeaseDuration,
    TimeSpan RenewInterval,
    int LeasesPerDevice,
    int MaxShardFailures,
    TimeSpan CoordinatorTimeout,
    TimeSpan ReconnectBackoffMin,
    TimeSpan ReconnectBackoffMax,
    int ChunkSize,
    TimeSpan AskTimeout,
    TimeSpan DeliveryTimeout)
{
    public static ClusterSettings From(Config config)
    {
        var c = config.WithFallback(ClusterSystem.DefaultConfig).GetConfig("stream-pipeline.cluster");
        var settings = new ClusterSettings(
            c.GetTimeSpan("lease-duration"), c.GetTimeSpan("renew-interval"), c.GetInt("leases-per-device"), c.GetInt("max-shard-failures"),
            c.GetTimeSpan("coordinator-timeout"), c.GetTimeSpan("reconnect-backoff-min"), c.GetTimeSpan("reconnect-backoff-max"),
            (int)(c.GetByteSize("chunk-size") ?? 65536), c.GetTimeSpan("ask-timeout"), c.GetTimeSpan("delivery-timeout"));
        if (settings.LeaseDuration <= TimeSpan.Zero || settings.RenewInterval <= TimeSpan.Zero || settings.RenewInterval >= settings.LeaseDuration)
            throw new ArgumentException("stream-pipeline.cluster: need 0 < renew-interval < lease-duration");
        if (settings.LeasesPerDevice < 1 || settings.MaxShardFailures < 1 || settings.ChunkSize is < 1024 or > 200_000)
            throw new ArgumentException("stream-pipeline.cluster: leases-per-device and max-shard-failures must be positive, chunk-size 1KiB..200000");
        return settings;
    }
}
