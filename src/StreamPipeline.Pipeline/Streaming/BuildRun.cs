using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Akka.Actor;
using Akka.Event;
using StreamPipeline.Pipeline.Devices;
using StreamPipeline.Pipeline.Specs;
using StreamPipeline.Pipeline.Telemetry;

namespace StreamPipeline.Pipeline.Streaming;

/// <summary>The work of each stage of one build run, with its metrics and progress callbacks (the graph is in <see cref="ShardStream"/>).</summary>
internal sealed class BuildRun(
    JobSpec spec,
    BuildScope scope,
    IShardTarget target,
    BatchLoader loader,
    PipelineMetrics metrics,
    BuildObserver? observer,
    ILoggingAdapter log)
{
    private readonly string _construction = Names.Construction.Of(spec.Construction);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, long> _shardStarted = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _shardsCommitted;
    private long _rowsWritten;
    private long _bytesWritten;

    public InFlightTasks Tasks { get; } = new();

    public int ShardsCommitted => Volatile.Read(ref _shardsCommitted);

    public long RowsWritten => Interlocked.Read(ref _rowsWritten);

    public long BytesWritten => Interlocked.Read(ref _bytesWritten);

    public TimeSpan Elapsed => _clock.Elapsed;

    public Task<LoadedBatch> LoadAsync(BatchPlan plan, CancellationToken ct) => Tasks.Track(Task.Run(() =>
    {
        _shardStarted.TryAdd(plan.Shard.Id, Stopwatch.GetTimestamp());
        metrics.InFlight(PipelineStage.Load, +1);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var loaded = loader.Load(plan);
            metrics.BatchCompleted(PipelineStage.Load, _construction, plan.Count, Stopwatch.GetElapsedTime(started));
            return loaded;
        }
        finally
        {
            metrics.InFlight(PipelineStage.Load, -1);
        }
    }, ct));

    public async Task<BatchPerturbed> PerturbAsync(IActorRef pool, LoadedBatch loaded, CancellationToken ct)
    {
        metrics.InFlight(PipelineStage.Perturb, +1);
        var started = Stopwatch.GetTimestamp();
        try
        {
            // Ask<object>: the pool answers BatchPerturbed or Status.Failure, and the failure's cause is the job's error.
            // No deadline on the ask itself: a batch may legitimately wait behind others and take minutes; the pool
            // bounds each attempt (device-pool.batch-timeout) and always answers, and the stream fails if it dies.
            var reply = await pool.Ask<object>(new PerturbBatch(loaded.Plan, loaded.Request), Timeout.InfiniteTimeSpan, ct).ConfigureAwait(false);
            if (reply is Status.Failure failure)
                ExceptionDispatchInfo.Throw(failure.Cause);
            if (reply is not BatchPerturbed perturbed)
                throw new InvalidOperationException($"the device pool answered {reply.GetType().Name} to {loaded.Plan}");
            metrics.BatchCompleted(PipelineStage.Perturb, _construction, loaded.Plan.Count, Stopwatch.GetElapsedTime(started));
            var successes = perturbed.Result.Success.Count(ok => ok);
            metrics.AttackResults(_construction, perturbed.Result.Success.Length, successes);
            Notify(o => o.OnBatchPerturbed(Progress()));
            return perturbed;
        }
        finally
        {
            metrics.InFlight(PipelineStage.Perturb, -1);
        }
    }

    public RelabeledBatch Relabel(BatchPerturbed perturbed)
    {
        var started = Stopwatch.GetTimestamp();
        var rows = Relabeler.ToRows(spec.Construction, perturbed);
        metrics.BatchCompleted(PipelineStage.Relabel, _construction, rows.Rows.Count, Stopwatch.GetElapsedTime(started));
        return rows;
    }

    public Task<CommittedShard?> CommitAsync(ShardRows shard, CancellationToken ct) => Tasks.Track(Commit(shard, ct));

    private async Task<CommittedShard?> Commit(ShardRows shard, CancellationToken ct)
    {
        metrics.InFlight(PipelineStage.Persist, +1);
        var started = Stopwatch.GetTimestamp();
        try
        {
            double? seconds = _shardStarted.TryRemove(shard.Shard.Id, out var began) ? Stopwatch.GetElapsedTime(began).TotalSeconds : null;
            var committed = await target.CommitAsync(shard, seconds, ct).ConfigureAwait(false);
            metrics.BatchCompleted(PipelineStage.Persist, _construction, shard.Rows.Count, Stopwatch.GetElapsedTime(started));
            if (committed is null)
                return null; // built, but not committed (a coordinator discarded it): nothing written counts
            Interlocked.Increment(ref _shardsCommitted);
            Interlocked.Add(ref _rowsWritten, committed.Rows);
            Interlocked.Add(ref _bytesWritten, committed.Bytes);
            metrics.ShardCommitted(_construction, committed.Rows, committed.Bytes);
            Notify(o => o.OnShardCommitted(committed, Progress()));
            return committed;
        }
        finally
        {
            metrics.InFlight(PipelineStage.Persist, -1);
        }
    }

    public BuildProgress Progress() => new(
        scope.ShardsTotal, scope.ShardsDoneAtStart + ShardsCommitted, scope.RowsTotal,
        scope.RowsDoneAtStart + RowsWritten, scope.RowsDoneAtStart, Elapsed, metrics.Snapshot());

    public void Notify(Action<BuildObserver> callback)
    {
        if (observer is null)
            return;
        try
        {
            callback(observer);
        }
        catch (Exception e)
        {
            log.Warning("Build observer failed (ignored): {0}", DeviceErrors.Describe(e));
        }
    }
}
