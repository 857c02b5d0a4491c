using System.Runtime.ExceptionServices;
using Akka;
using Akka.Actor;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Streams.Implementation;
using StreamPipeline.Data;
using StreamPipeline.Pipeline.Devices;
using StreamPipeline.Pipeline.Specs;
using StreamPipeline.Pipeline.Telemetry;

namespace StreamPipeline.Pipeline.Streaming;

/// <summary>
/// The build graph, running: shard plans in — a fixed list (a local build) or offered one by one as leases arrive (a
/// cluster worker) — through load → bounded buffer → perturb (a <see cref="DevicePool"/>, batches completing in any
/// order) → relabel → shard assembly (by shard id) → the <see cref="IShardTarget"/>. Owns its device pool and
/// materializer; <see cref="RunAsync"/> waits for the end, drains what is still running and stops the workers.
/// </summary>
public sealed class ShardStream
{
    private static int _streams;
    private readonly ActorSystem _system;
    private readonly PipelineSettings _settings;
    private readonly BuildRun _run;
    private readonly IActorRef _pool;
    private readonly ActorMaterializer _materializer;
    private readonly CancellationTokenSource _stop;
    private readonly CancellationToken _ct;
    private readonly UniqueKillSwitch _killSwitch;
    private readonly Task _completion;
    private readonly ISourceQueueWithComplete<ShardPlan>? _queue;

    private ShardStream(ActorSystem system, JobSpec spec, IImageDataset data, Func<long, long>? startIndexFor, IPerturberFactory perturbers,
        IShardTarget target, BuildScope scope, PipelineMetrics metrics, BuildObserver? observer, IEnumerable<ShardPlan>? fixedShards, int queueSize,
        CancellationToken ct)
    {
        _system = system;
        _settings = PipelineSettings.From(system);
        _ct = ct;
        _run = new BuildRun(spec, scope, target, new BatchLoader(data, startIndexFor), metrics, observer, system.Log);
        metrics.DeclareBuild(Names.Construction.Of(spec.Construction), spec.Devices);
        // The stream's own token also stops workers and writes when the stream fails for another reason.
        _stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var token = _stop.Token;
        var id = $"{Interlocked.Increment(ref _streams)}-{Guid.NewGuid():N}";
        _pool = system.ActorOf(DevicePool.Props(DevicePoolSettings.From(spec, _settings), perturbers, metrics, token), $"device-pool-{id}");
        // A materializer per stream: disposing it at the end stops whatever the stream left behind.
        _materializer = ActorMaterializer.Create(system, ActorMaterializerSettings.Create(system), $"build-{id}");

        Source<ShardPlan, NotUsed> shards;
        if (fixedShards is not null)
        {
            shards = Source.From(fixedShards).Named("shards");
        }
        else
        {
            var (queue, source) = Source.Queue<ShardPlan>(queueSize, OverflowStrategy.Backpressure).Named("leased-shards").PreMaterialize(_materializer);
            _queue = queue;
            shards = source;
        }
        var run = _run;
        // Every stage is named: a failure names its stage ("Error in stage [perturb]"), and so do the actors of a stream
        // that did not stop (StagesLeftRunning).
        (_killSwitch, _completion) = shards
            .ViaMaterialized(KillSwitches.Single<ShardPlan>().Named("kill-switch"), Keep.Right)
            .SelectMany(shard => ShardPlanner.Batches(shard, spec.BatchSize)).Named("plan-batches")
            .SelectAsync(_settings.LoadParallelism, plan => run.LoadAsync(plan, token)).Named("load")
            // The backpressure bound: at most this many loaded batches wait for the devices.
            .Buffer(spec.MaxBatchesAhead, OverflowStrategy.Backpressure).Named("batches-ahead")
            // Unordered: a slow or split batch on one device does not hold back what the others finish.
            .SelectAsyncUnordered(spec.Devices.Count * _settings.PerturbInFlightPerWorker, loaded => run.PerturbAsync(_pool, loaded, token)).Named("perturb")
            .Select(run.Relabel).Named("relabel")
            .Via(ShardAssembler.Flow().Named("assemble-shards"))
            .SelectAsync(1, shard => run.CommitAsync(shard, token)).Named("persist")
            .ToMaterialized(Sink.Ignore<CommittedShard?>().Named("committed"), Keep.Both)
            .Run(_materializer);
        var killSwitch = _killSwitch;
        var completion = _completion;
        // Asks to a dead pool would wait forever: if it stops before the stream is done, fail the stream.
        _ = _pool.WatchAsync(CancellationToken.None).ContinueWith(_ =>
        {
            if (!completion.IsCompleted)
                killSwitch.Abort(new DevicePoolException("the device pool stopped before the build was done"));
        }, TaskScheduler.Default);
        run.Notify(o => o.OnStarted(run.Progress()));
    }

    /// <summary>A stream over a fixed list of shards; it completes when every one is committed.</summary>
    public static ShardStream ForShards(ActorSystem system, JobSpec spec, IImageDataset data, Func<long, long>? startIndexFor, IPerturberFactory perturbers,
        IShardTarget target, BuildScope scope, IReadOnlyList<ShardPlan> shards, PipelineMetrics metrics, BuildObserver? observer, CancellationToken ct) =>
        new(system, spec, data, startIndexFor, perturbers, target, scope, metrics, observer, shards, 0, ct);

    /// <summary>A stream fed by <see cref="OfferAsync"/> (a cluster worker's leases); it completes after <see cref="Complete"/>.</summary>
    public static ShardStream Open(ActorSystem system, JobSpec spec, IImageDataset data, Func<long, long>? startIndexFor, IPerturberFactory perturbers,
        IShardTarget target, BuildScope scope, PipelineMetrics metrics, BuildObserver? observer, CancellationToken ct, int queueSize = 4) =>
        new(system, spec, data, startIndexFor, perturbers, target, scope, metrics, observer, null, queueSize, ct);

    /// <summary>Rows and bytes committed, shards committed and time, so far.</summary>
    public int ShardsCommitted => _run.ShardsCommitted;

    public long RowsWritten => _run.RowsWritten;

    public long BytesWritten => _run.BytesWritten;

    public TimeSpan Elapsed => _run.Elapsed;

    public BuildProgress Progress() => _run.Progress();

    /// <summary>
    /// After <see cref="RunAsync"/>: the stream actors still running when the stream had ended (success, failure or
    /// cancellation) — none, unless a stage failed to stop; they are logged and stopped with the materializer.
    /// </summary>
    public IReadOnlyList<string> StagesLeftRunning { get; private set; } = [];

    /// <summary>The stream actors of this materializer still alive, given a moment to stop after the stream ended.</summary>
    internal async Task<IReadOnlyList<string>> RunningStagesAsync()
    {
        var supervisor = _materializer.Supervisor;
        for (var attempt = 0; ; attempt++)
        {
            StreamSupervisor.Children children;
            try
            {
                children = await supervisor.Ask<StreamSupervisor.Children>(StreamSupervisor.GetChildren.Instance, TimeSpan.FromSeconds(3)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is AskTimeoutException or ObjectDisposedException)
            {
                return [];
            }
            if (children.Refs.Count == 0 || attempt >= 20)
                return children.Refs.Select(r => r.Path.Name).Order(StringComparer.Ordinal).ToList();
            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    /// <summary>Adds a shard to an open stream; waits while the stream is full (backpressure).</summary>
    public async Task OfferAsync(ShardPlan shard)
    {
        if (_queue is null)
            throw new InvalidOperationException("this stream builds a fixed list of shards");
        var result = await _queue.OfferAsync(shard).ConfigureAwait(false);
        if (result is not QueueOfferResult.Enqueued)
            throw new InvalidOperationException($"the build stream no longer takes shards ({result.GetType().Name}); {shard} was not queued");
    }

    /// <summary>No more shards: the stream completes when those offered are committed.</summary>
    public void Complete() => _queue?.Complete();

    /// <summary>Stops the stream now (the shards not yet committed are simply not built).</summary>
    public void Abort(Exception reason) => _killSwitch.Abort(reason);

    /// <summary>
    /// Waits for the stream to end, then drains the stage tasks still running and stops the device workers. Throws
    /// <see cref="OperationCanceledException"/> when the token stopped it, else the stream's failure.
    /// </summary>
    public async Task RunAsync()
    {
        Exception? failure = null;
        try
        {
            await using (_ct.Register(() => _killSwitch.Abort(new OperationCanceledException("build cancelled", _ct))))
            {
                try
                {
                    await _completion.ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    failure = e;
                }
            }
        }
        finally
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _run.Tasks.DrainAsync().ConfigureAwait(false);
            try
            {
                // Waits for each worker to finish its batch and dispose its perturber on its own thread.
                await _pool.GracefulStop(_settings.StopTimeout).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _system.Log.Warning("Device pool did not stop within {0}: {1}", _settings.StopTimeout, DeviceErrors.Describe(e));
            }
            StagesLeftRunning = await RunningStagesAsync().ConfigureAwait(false);
            if (StagesLeftRunning.Count > 0)
                _system.Log.Warning("Build stream ended with stages still running: {0}; stopping them", string.Join(", ", StagesLeftRunning));
            _materializer.Dispose();
            _stop.Dispose();
        }
        if (failure is not null)
        {
            if (_ct.IsCancellationRequested)
                throw new OperationCanceledException("build cancelled", failure, _ct);
            ExceptionDispatchInfo.Throw(failure is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerExceptions[0] : failure);
        }
    }
}
