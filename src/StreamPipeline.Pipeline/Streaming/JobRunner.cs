using Akka.Actor;
using Akka.Event;
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

    /// <param name="metrics">Shared instruments (the CLI's); a private set when null.</param>
    public JobRunner(ActorSystem system, PipelineMetrics? metrics = null)
    {
        if (!system.Dispatchers.HasDispatcher(PipelineSystem.DeviceDispatcherId))
            throw new ArgumentException($"actor system {system.Name} has no {PipelineSystem.DeviceDispatcherId}: create it with PipelineSystem.Create (hocon/pipeline.conf)");
        _system = system;
        _ownsMetrics = metrics is null;
        _metrics = metrics ?? new PipelineMetrics();
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
        var spec = job.Spec;
        var data = job.Data;
        var total = spec.Limit is { } limit ? Math.Min(limit, data.Count) : data.Count;
        if (total <= 0)
            throw new ArgumentException($"dataset {data.Reference} has no examples to build");
        ct.ThrowIfCancellationRequested();

        using var directory = JobDirectory.Open(job.JobDir, spec, job.ModelSha256, total, job.DataFingerprint, job.Sink.FileExtension);
        using var observed = ObservedJob.Start(_metrics, directory, Names.Construction.Of(spec.Construction));
        foreach (var damaged in directory.DamagedShards)
            _system.Log.Warning("Resuming {0}: {1}: {2}; rebuilding it", directory.Root, damaged.Path, damaged.Problem);
        var manifest = directory.Manifest;
        var scope = new BuildScope(manifest.Shards.Count, manifest.TotalExamples, manifest.DoneShards.Count(), manifest.RowsDone);
        var pending = directory.PendingShards();
        if (pending.Count == 0)
        {
            // Nothing to build: no device worker is started (each would load the model).
            var done = new BuildProgress(scope.ShardsTotal, scope.ShardsDoneAtStart, scope.RowsTotal, scope.RowsDoneAtStart, scope.RowsDoneAtStart, TimeSpan.Zero, _metrics.Snapshot());
            observer?.OnStarted(done);
            return new BuildResult(directory.Root, scope.ShardsTotal, scope.ShardsDoneAtStart, 0, scope.RowsTotal, 0, 0, TimeSpan.Zero,
                directory.RemovedLeftovers, directory.DamagedShards, _metrics.Snapshot());
        }
        var stream = ShardStream.ForShards(_system, spec, data, job.StartIndexFor ?? StartImageChooser.For(spec, data.Count), job.Perturbers,
            new LocalShardTarget(directory, job.Sink, job.Node), scope, pending, _metrics, observer, ct);
        try
        {
            await stream.RunAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (ct.IsCancellationRequested)
        {
            throw new OperationCanceledException($"build of {directory.Root} cancelled; the job directory is resumable", e.InnerException, ct);
        }
        directory.Close();
        return new BuildResult(
            directory.Root, scope.ShardsTotal, scope.ShardsDoneAtStart, stream.ShardsCommitted, scope.RowsTotal,
            stream.RowsWritten, stream.BytesWritten, stream.Elapsed, directory.RemovedLeftovers, directory.DamagedShards, _metrics.Snapshot());
    }

    public void Dispose()
    {
        if (_ownsMetrics)
            _metrics.Dispose();
    }

    /// <summary>
    /// The job's manifest on the job-level gauges while the directory is open; at the end, its last figures stay (the
    /// directory is closed), so a scrape after the job ended still reads how far it got.
    /// </summary>
    private sealed class ObservedJob(PipelineMetrics metrics, Func<JobFigures> read) : IDisposable
    {
        public static ObservedJob Start(PipelineMetrics metrics, JobDirectory directory, string construction)
        {
            JobFigures Read()
            {
                var manifest = directory.Manifest;
                return new JobFigures(construction, manifest.RowsDone, manifest.TotalExamples, manifest.DoneShards.Count(), manifest.Shards.Count);
            }
            metrics.ObserveJob(Read);
            return new ObservedJob(metrics, Read);
        }

        public void Dispose()
        {
            var last = read();
            metrics.ObserveJob(() => last);
        }
    }
}
