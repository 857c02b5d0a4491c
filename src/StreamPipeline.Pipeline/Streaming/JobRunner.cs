using System.Runtime.ExceptionServices;
using Akka.Actor;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Dsl;
using StreamPipeline.Data;
using StreamPipeline.Pipeline.Devices;
using StreamPipeline.Pipeline.Jobs;
using StreamPipeline.Pipeline.Sinks;
using StreamPipeline.Pipeline.Telemetry;

namespace StreamPipeline.Pipeline.Streaming;

/// <summary>
/// Runs a build on an actor system: opens (or resumes) the job directory, then streams the pending shards through
/// load → bounded buffer → perturb (the <see cref="DevicePool"/>, batches completing in any order) → relabel → shard
/// assembly (by shard id) → persist + manifest. The manifest, not the stream, decides what is done; a failed or
/// cancelled run leaves a resumable directory. One device worker per entry of <c>spec.Devices</c>, used verbatim:
/// resolve <c>auto</c> to the machine's devices first (devices are not part of the spec hash).
/// </summary>
public sealed class JobRunner : IDisposable
{
    private readonly ActorSystem _system;
    private readonly PipelineMetrics _metrics;
    private readonly bool _ownsMetrics;
    private readonly PipelineSettings _settings;
    private int _runs;

    /// <param name="metrics">Shared instruments (the CLI's); a private set when null.</param>
    public JobRunner(ActorSystem system, PipelineMetrics? metrics = null)
    {
        if (!system.Dispatchers.HasDispatcher(PipelineSystem.DeviceDispatcherId))
            throw new ArgumentException($"actor system {system.Name} has no {PipelineSystem.DeviceDispatcherId}: create it with PipelineSystem.Create (hocon/pipeline.conf)");
        _system = system;
        _ownsMetrics = metrics is null;
        _metrics = metrics ?? new PipelineMetrics();
        _settings = PipelineSettings.From(system);
    }

    public PipelineMetrics Metrics => _metrics;

    public Task<BuildResult> RunAsync(
        Specs.JobSpec spec, string jobDir, IImageDataset data, IPerturberFactory perturbers, IShardSink sink, string modelSha256,
        BuildObserver? observer = null, CancellationToken ct = default) =>
        RunAsync(new BuildJob(spec, jobDir, data, perturbers, sink, modelSha256), observer, ct);

    /// <summary>
    /// Builds every pending shard. Throws <see cref="OperationCanceledException"/> when <paramref name="ct"/> stops it
    /// (the directory stays resumable), <see cref="BatchFailedException"/> when a batch keeps failing,
    /// <see cref="JobSpecMismatchException"/>/<see cref="ArgumentException"/> for a directory or spec it cannot use.
    /// </summary>
    public async Task<BuildResult> RunAsync(BuildJob job, BuildObserver? observer = null, CancellationToken ct = default)
    {
        var spec = job.Spec.Validated();
        var data = job.Data;
        var total = spec.Limit is { } limit ? Math.Min(limit, data.Count) : data.Count;
        if (total <= 0)
            throw new ArgumentException($"dataset {data.Reference} has no examples to build");
        ct.ThrowIfCancellationRequested();

        using var directory = JobDirectory.Open(job.JobDir, spec, job.ModelSha256, total);
        foreach (var damaged in directory.DamagedShards)
            _system.Log.Warning("Resuming {0}: {1}: {2}; rebuilding it", directory.Root, damaged.Path, damaged.Problem);
        var loader = new BatchLoader(data, job.StartIndexFor ?? StartImageChooser.For(spec, data.Count));
        var run = new BuildRun(job, directory, loader, _metrics, observer, _system.Log);
        run.Notify(o => o.OnStarted(run.Progress()));
        var pending = directory.PendingShards();
        if (pending.Count == 0)
            return run.Result();

        // The run's own token also stops workers and writes when the stream fails for another reason.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var token = stop.Token;
        var runId = Interlocked.Increment(ref _runs);
        var pool = _system.ActorOf(
            DevicePool.Props(DevicePoolSettings.From(spec, _settings), job.Perturbers, _metrics, token),
            $"device-pool-{runId}-{Guid.NewGuid():N}");
        // A materializer per run: disposing it at the end stops whatever the run left behind.
        var materializer = ActorMaterializer.Create(_system, ActorMaterializerSettings.Create(_system), $"build-{runId}-{Guid.NewGuid():N}");
        Exception? failure = null;
        try
        {
            var (killSwitch, completion) = Source.From(pending)
                .ViaMaterialized(KillSwitches.Single<ShardPlan>(), Keep.Right)
                .SelectMany(shard => ShardPlanner.Batches(shard, spec.BatchSize))
                .SelectAsync(_settings.LoadParallelism, plan => run.LoadAsync(plan, token))
                // The backpressure bound: at most this many loaded batches wait for the devices.
                .Buffer(spec.MaxBatchesAhead, OverflowStrategy.Backpressure)
                // Unordered: a slow or split batch on one device does not hold back what the others finish.
                .SelectAsyncUnordered(spec.Devices.Count * _settings.PerturbInFlightPerWorker, loaded => run.PerturbAsync(pool, loaded, token))
                .Select(run.Relabel)
                .Via(ShardAssembler.Flow())
                .SelectAsync(1, shard => run.CommitAsync(shard, token))
                .ToMaterialized(Sink.Ignore<CommittedShard>(), Keep.Both)
                .Run(materializer);
            // Asks to a dead pool would wait forever: if it stops before the stream is done, fail the stream.
            _ = pool.WatchAsync(CancellationToken.None).ContinueWith(_ =>
            {
                if (!completion.IsCompleted)
                    killSwitch.Abort(new DevicePoolException("the device pool stopped before the build was done"));
            }, TaskScheduler.Default);
            await using (ct.Register(() => killSwitch.Abort(new OperationCanceledException("build cancelled", ct))))
            {
                try
                {
                    await completion.ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    failure = e;
                }
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await run.Tasks.DrainAsync().ConfigureAwait(false);
            try
            {
                // Waits for each worker to finish its batch and dispose its perturber on its own thread.
                await pool.GracefulStop(_settings.StopTimeout).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _system.Log.Warning("Device pool did not stop within {0}: {1}", _settings.StopTimeout, DeviceErrors.Describe(e));
            }
            materializer.Dispose();
        }

        if (failure is not null)
        {
            if (ct.IsCancellationRequested)
                throw new OperationCanceledException($"build of {directory.Root} cancelled; the job directory is resumable", failure, ct);
            ExceptionDispatchInfo.Throw(failure is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerExceptions[0] : failure);
        }
        return run.Result();
    }

    public void Dispose()
    {
        if (_ownsMetrics)
            _metrics.Dispose();
    }
}
