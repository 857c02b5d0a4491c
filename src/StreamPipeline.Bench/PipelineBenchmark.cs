using Akka.Configuration;
using StreamPipeline.Application.Building;
using StreamPipeline.Data.Jobs;
using StreamPipeline.Models;
using StreamPipeline.Pipeline.Specs;
using StreamPipeline.Pipeline.Streaming;

namespace StreamPipeline.Bench;

/// <summary>
/// Phase (b) of bench: the real build (<see cref="BuildService"/>: Akka.Streams graph, device pool, Parquet shards,
/// manifest) into a fresh job directory, with private metrics. Its device workers start as the bare loop's threads do
/// (<see cref="WarmedPerturberFactory"/>); the window closes when the last shard is committed.
/// </summary>
public static class PipelineBenchmark
{
    /// <param name="opened">Called the moment the window opens (paired mode starts the bare loop then).</param>
    public static async Task<PhaseMeasurement> RunAsync(JobSpec spec, string jobDir, string? dataRoot, PerturbRequest warmup, InferenceTransforms transforms,
        Action<string> say, Config akka, CancellationToken ct, Action? opened = null)
    {
        if (Directory.Exists(jobDir) && Directory.EnumerateFileSystemEntries(jobDir).Any())
            throw new ArgumentException($"bench job directory {jobDir} is not empty: every pipeline run starts fresh");
        var window = new PhaseWindow(opened);
        var request = new BuildRequest(spec, jobDir, dataRoot)
        {
            WrapPerturbers = inner => new WarmedPerturberFactory(inner, warmup, window),
            Transforms = transforms,
        };
        using var named = ThreadCpu.KeepMainThreadName();
        var setup = ProcessSample.Take();
        var result = await BuildService.RunAsync(request, new LastCommit(window), say, ct, akka);
        var withSetup = setup.To(ProcessSample.Take());
        if (!result.Complete || result.ShardsSkipped != 0)
            throw new InvalidOperationException($"bench pipeline run in {jobDir} did not build every shard itself ({result.ShardsCommitted} of {result.ShardsTotal} committed, {result.ShardsSkipped} skipped)");
        return new PhaseMeasurement(BenchPhase.Pipeline, result.RowsWritten, spec.Attack.Steps, window.TorchThreads, window.Cost("pipeline"), result.Stats.AttackSuccessRate)
        {
            WallWithSetup = withSetup.Elapsed,
            CpuWithSetup = withSetup.Cpu,
            BytesWritten = result.BytesWritten,
            Stats = result.Stats,
            OnMainThread = window.OnMainThread,
        };
    }

    /// <summary>Closes the window when the manifest records the job's last shard.</summary>
    private sealed class LastCommit(PhaseWindow window) : BuildObserver
    {
        public override void OnShardCommitted(CommittedShard shard, BuildProgress progress)
        {
            if (progress.ShardsDone == progress.ShardsTotal)
                window.Finished();
        }
    }
}
