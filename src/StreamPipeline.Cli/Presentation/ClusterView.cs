using System.Diagnostics;
using StreamPipeline.Cluster.Coordination;

namespace StreamPipeline.Cli.Presentation;

/// <summary>The coordinator's live view: shards done, leased and pending, then one entry per worker (alive, leases, shards, img/s).</summary>
public sealed class ClusterView(Action<string> say)
{
    private readonly Stopwatch _sinceLast = Stopwatch.StartNew();
    private string? _last;

    public void Show(CoordinatorStatus status) => Show(status, force: false);

    public void Show(CoordinatorStatus status, bool force)
    {
        var workers = status.Workers.Count == 0
            ? "no workers yet"
            : string.Join(" | ", status.Workers.Select(w =>
                $"{w.Worker} {(w.Alive ? "alive" : "gone")}, {w.Leases} lease(s), {w.ShardsCommitted} shard(s), {w.ImagesPerSecond:N1} img/s" +
                (w.Discarded > 0 ? $", {w.Discarded} discarded" : "")));
        var line = $"{status.ShardsDone}/{status.ShardsTotal} shards ({status.RowsDone:N0}/{status.RowsTotal:N0} rows), {status.Leased} leased, " +
                   $"{status.Pending} pending, {status.Expired} expired, {status.Discarded} discarded | {workers}";
        lock (this)
        {
            if (line == _last || (!force && _sinceLast.Elapsed < TimeSpan.FromSeconds(2)))
                return;
            _last = line;
            _sinceLast.Restart();
        }
        say(line);
    }
}
