using Akka.Actor;
using Akka.Configuration;
using StreamPipeline.Cluster.Coordination;
using StreamPipeline.Data;
using StreamPipeline.Data.Files;
using StreamPipeline.Data.Parquet;
using StreamPipeline.Pipeline.Jobs;
using StreamPipeline.Pipeline.Specs;
using StreamPipeline.Pipeline.Telemetry;

namespace StreamPipeline.Cluster.Simulation;

/// <summary>
/// The coordinator under load without devices: a real <see cref="JobCoordinator"/> over a real job directory
/// (leases, StreamRef deliveries, size/SHA-256/footer checks, fsync and rename, the manifest's commit log) serving
/// many <see cref="SimulatedWorker"/>s whose shards are ready at once (one-row shards of one small image). Measures the
/// coordinator's own rates and what each commit costs the manifest as the job grows.
/// </summary>
public static class ClusterSimulation
{
    public static async Task<SimulationReport> RunAsync(string workDir, int shards, int workers, CancellationToken ct)
    {
        if (shards < 1 || workers < 1)
            throw new ArgumentException($"a simulation needs at least one shard and one worker, got {shards} and {workers}");
        var jobDir = Path.Combine(workDir, $"sim-{shards}-{workers}-{Guid.NewGuid():N}"[..40]);
        var shape = new ImageShape(1, 4, 4);
        var spec = JobSpecLoader.Load(null, new JobSpecOverrides
        {
            Construction = ConstructionKind.Det, Model = "(simulated)", Data = "(simulated)", Limit = shards, ShardSize = 1, Devices = ["cpu"],
        });
        var modelSha = new string('0', 64);
        // Every shard gets the same one-row file: the coordinator checks its size, checksum, rows and spec hash, not its index.
        var template = Path.Combine(workDir, $"template-{Guid.NewGuid():N}.parquet");
        var metadata = new ConstructedDatasetMetadata(shape, ConstructedDatasetSchema.DefaultClassNames(10), spec.OutputCanonicalJson(), spec.SpecHash(modelSha), modelSha, "{}");
        var written = await ParquetShardWriter.WriteAtomicAsync(template, [new ConstructedRow(0, 1, 0, null, new float[shape.Size], true, 0)], metadata, ct).ConfigureAwait(false);
        var bytes = await File.ReadAllBytesAsync(template, ct).ConfigureAwait(false);
        File.Delete(template);

        var directory = JobDirectory.Open(jobDir, spec, modelSha, shards);
        var system = ClusterSystem.Create(ClusterSystem.CoordinatorRole, new ClusterEndpoint("127.0.0.1", 0, "127.0.0.1"), seed: null,
            ConfigurationFactory.ParseString("akka.loglevel = OFF\nakka.stdout-loglevel = OFF"));
        try
        {
            using var metrics = new PipelineMetrics();
            var settings = ClusterSettings.From(system.Settings.Config);
            var done = new TaskCompletionSource<CoordinatorResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            var clusterMetrics = new ClusterMetrics(metrics);
            var granted = 0L;
            using var listener = new System.Diagnostics.Metrics.MeterListener();
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter, metrics.Meter) && instrument.Name == "stream_pipeline.cluster.leases.granted")
                    l.EnableMeasurementEvents(instrument);
            };
            listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref granted, value));
            listener.Start();
            var started = System.Diagnostics.Stopwatch.StartNew();
            var coordinator = system.ActorOf(JobCoordinator.Props(new CoordinatorJob(spec, directory, modelSha, null), settings, clusterMetrics, null, done),
                ClusterSystem.CoordinatorActorName);
            var finished = Enumerable.Range(0, workers).Select(i =>
            {
                var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                system.ActorOf(SimulatedWorker.Props($"sim-{i:D3}", coordinator, bytes, written.Sha256, 1, tcs), $"sim-worker-{i}");
                return tcs.Task;
            }).ToList();
            await using (ct.Register(() => done.TrySetCanceled(ct)))
            {
                var result = await done.Task.ConfigureAwait(false);
                if (!result.Complete)
                    throw new InvalidOperationException($"the simulated job failed: {result.Message}");
            }
            var elapsed = started.Elapsed;
            await coordinator.GracefulStop(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            // The close folds the commit log into manifest.json: part of what the job's commits cost.
            directory.Dispose();
            var cost = directory.ManifestCost();
            return new SimulationReport(shards, workers, elapsed, Interlocked.Read(ref granted), cost.Commits, cost.ManifestBytes, cost.Compactions, cost.Time,
                clusterMetrics.DiscardedTotal);
        }
        finally
        {
            await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance).ConfigureAwait(false);
            directory.Dispose();
            try
            {
                Directory.Delete(jobDir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
