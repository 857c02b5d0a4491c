using System.Diagnostics.Metrics;
using StreamPipeline.Pipeline.Telemetry;

namespace StreamPipeline.Cluster.Coordination;

/// <summary>The coordinator's instruments, on the pipeline's one meter (same exporters, same <c>node</c> tag).</summary>
public sealed class ClusterMetrics
{
    private readonly PipelineMetrics _metrics;
    private readonly Counter<long> _granted;
    private readonly Counter<long> _expired;
    private readonly Counter<long> _committed;
    private readonly Counter<long> _discarded;
    private readonly Counter<long> _refused;
    private long _discardedTotal;
    private long _expiredTotal;

    public ClusterMetrics(PipelineMetrics metrics)
    {
        _metrics = metrics;
        var meter = metrics.Meter;
        _granted = meter.CreateCounter<long>("stream_pipeline.cluster.leases.granted", "{lease}", "Shard leases handed to workers");
        _expired = meter.CreateCounter<long>("stream_pipeline.cluster.leases.expired", "{lease}", "Leases that ran past their deadline (or whose worker left); their shards went back to the queue");
        _committed = meter.CreateCounter<long>("stream_pipeline.cluster.results.committed", "{shard}", "Delivered shards committed by the coordinator");
        _discarded = meter.CreateCounter<long>("stream_pipeline.cluster.results.discarded", "{shard}", "Delivered shards not committed (stale lease, already done, bad bytes)");
        _refused = meter.CreateCounter<long>("stream_pipeline.cluster.workers.refused", "{worker}", "Workers refused (another job, or their model or data differs)");
    }

    public long DiscardedTotal => Interlocked.Read(ref _discardedTotal);

    public long ExpiredTotal => Interlocked.Read(ref _expiredTotal);

    public void Granted(string worker) => _granted.Add(1, _metrics.Tags(new KeyValuePair<string, object?>("worker", worker)));

    public void Expired(string worker, int count)
    {
        _expired.Add(count, _metrics.Tags(new KeyValuePair<string, object?>("worker", worker)));
        Interlocked.Add(ref _expiredTotal, count);
    }

    public void Committed(string worker) => _committed.Add(1, _metrics.Tags(new KeyValuePair<string, object?>("worker", worker)));

    /// <param name="reason">A short, low-cardinality reason: expired, already-done, unknown, bad-bytes.</param>
    public void Discarded(string worker, string reason)
    {
        _discarded.Add(1, _metrics.Tags(new("worker", worker), new("reason", reason)));
        Interlocked.Increment(ref _discardedTotal);
    }

    public void Refused(string worker) => _refused.Add(1, _metrics.Tags(new KeyValuePair<string, object?>("worker", worker)));
}
