using System.Diagnostics;
using StreamPipeline.Application.Building;
using StreamPipeline.Cli.Presentation;
using StreamPipeline.Pipeline.Specs;

namespace StreamPipeline.Cli.Benchmarking;

/// <summary>
/// Phase (b) of bench: the real build (<see cref="BuildService"/>: Akka.Streams graph, device pool, Parquet shards)
/// into a fresh job directory, with private metrics (no exporter) and the plain progress view, or none with --quiet.
/// </summary>
public static class PipelineBenchmark
{
    public static async Task<PipelineMeasurement> RunAsync(JobSpec spec, string jobDir, string? dataRoot, DisplayMode display, CancellationToken ct)
    {
        if (Directory.Exists(jobDir) && Directory.EnumerateFileSystemEntries(jobDir).Any())
            throw new ArgumentException($"bench job directory {jobDir} is not empty: every pipeline run starts fresh");
        var cpuStarted = Environment.CpuUsage.TotalTime;
        var started = Stopwatch.GetTimestamp();
        var request = new BuildRequest(spec, jobDir, dataRoot);
        // Quiet: not even the phase's summary line, which is bench's progress, not its result.
        var result = display == DisplayMode.Quiet
            ? await BuildService.RunAsync(request, observer: null, say: _ => { }, ct, StderrLogger.Config)
            : await LiveRuns.BuildAsync(request, "bench", display, ct);
        var wall = Stopwatch.GetElapsedTime(started);
        var cpu = Environment.CpuUsage.TotalTime - cpuStarted;
        if (!result.Complete || result.ShardsSkipped != 0)
            throw new InvalidOperationException($"bench pipeline run in {jobDir} did not build every shard itself ({result.ShardsCommitted} of {result.ShardsTotal} committed, {result.ShardsSkipped} skipped)");
        return new PipelineMeasurement(
            result.Elapsed, wall, cpu, result.RowsWritten, spec.Attack.Steps, spec.Devices.Count, result.BytesWritten, result.Stats, PeakRss.ReadBytes());
    }
}
