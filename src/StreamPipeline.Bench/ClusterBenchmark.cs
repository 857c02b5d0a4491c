using Akka.Configuration;
using System.Net;
using System.Net.Sockets;
using StreamPipeline.Application.Building;
using StreamPipeline.Cluster;
using StreamPipeline.Cluster.Coordination;
using StreamPipeline.Cluster.Protocol;
using StreamPipeline.Cluster.Workers;
using StreamPipeline.Pipeline.Specs;
using StreamPipeline.Pipeline.Telemetry;

namespace StreamPipeline.Bench;

/// <summary>
/// Phase (c) of bench, with <c>--workers N</c>: the same job through a real cluster on 127.0.0.1 inside this process —
/// the coordinator of <c>build --serve</c> (<see cref="CoordinatorService"/>) and N workers of <c>worker --join</c>
/// (<see cref="WorkerNode"/> with <see cref="ClusterWorkerBackend"/>), each with the job's devices and thread count.
/// Shards travel to the coordinator as StreamRefs and are verified and committed there, as across machines. The window
/// opens when the first worker's device is warmed up and ready and closes when the coordinator commits the last shard.
/// </summary>
public static class ClusterBenchmark
{
    public static async Task<PhaseMeasurement> RunAsync(
        JobSpec spec, int workers, string root, string? dataRoot, PerturbRequest warmup, Action<string> say, Config akka, CancellationToken ct)
    {
        var window = new PhaseWindow();
        var jobDir = Path.Combine(root, "job");
        var port = FreeLoopbackPort();
        var coordinatorAddress = $"{IPAddress.Loopback}:{port}";
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var metrics = Enumerable.Range(0, workers).Select(i => new PipelineMetrics($"bench-worker-{i + 1}")).ToArray();
        // A worker's device may run on the main thread (MainThread), which its warm-up names for the processor-time split.
        using var named = ThreadCpu.KeepMainThreadName();
        try
        {
            var setup = ProcessSample.Take();
            var coordinator = CoordinatorService.RunAsync(
                new ServeRequest(spec, jobDir, dataRoot, new ClusterEndpoint(IPAddress.Loopback.ToString(), port, IPAddress.Loopback.ToString())),
                status =>
                {
                    if (status.ShardsDone == status.ShardsTotal)
                        window.Finished();
                },
                line => say("coordinator: " + line), stop.Token, akka);
            var nodes = Enumerable.Range(0, workers).Select(i => Task.Run(async () =>
            {
                var options = new WorkerOptions(coordinatorAddress, new ClusterEndpoint(IPAddress.Loopback.ToString(), 0, IPAddress.Loopback.ToString()), spec.Devices, null);
                var backend = new WarmedBackend(new ClusterWorkerBackend(spec.Devices, null, dataRoot, line => say($"worker {i + 1}: {line}")), warmup, window);
                var outcome = await WorkerNode.RunAsync(options, backend, akka, metrics[i], line => say($"worker {i + 1}: {line}"), stop.Token);
                if (outcome.End != WorkerEnd.JobFinished)
                {
                    // The coordinator would wait for this worker's shards forever: stop it too.
                    await stop.CancelAsync();
                    throw new InvalidOperationException($"bench cluster worker {i + 1} ended {outcome.End}: {outcome.Message}");
                }
                return outcome;
            }, CancellationToken.None)).ToArray();

            CoordinatorResult served;
            try
            {
                served = await coordinator;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                await Task.WhenAll(nodes); // a worker's failure stopped the coordinator: report the worker's error
                throw;
            }
            await Task.WhenAll(nodes);
            var withSetup = setup.To(ProcessSample.Take());
            if (!served.Complete)
                throw new InvalidOperationException($"bench cluster phase: the coordinator ended without every shard committed: {served.Message}");
            var stats = metrics.Select(m => m.Snapshot()).ToArray();
            var attempts = stats.Sum(s => s.AttackAttempts);
            return new PhaseMeasurement(BenchPhase.Cluster, served.Status.RowsDone, spec.Attack.Steps, window.TorchThreads, window.Cost("cluster"),
                attempts > 0 ? (double)stats.Sum(s => s.AttackSuccesses) / attempts : null)
            {
                WallWithSetup = withSetup.Elapsed,
                CpuWithSetup = withSetup.Cpu,
                BytesWritten = stats.Sum(s => s.BytesWritten),
                OnMainThread = window.OnMainThread,
            };
        }
        finally
        {
            foreach (var m in metrics) m.Dispose();
        }
    }

    /// <summary>A port on 127.0.0.1 that nothing listens on now (the coordinator binds it a moment later).</summary>
    private static int FreeLoopbackPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>The worker's backend with its device workers warmed up and timed as the single-process build's are.</summary>
    private sealed class WarmedBackend(IWorkerBackend inner, PerturbRequest warmup, PhaseWindow window) : IWorkerBackend
    {
        public PreparedWork Prepare(JobOffer offer)
        {
            var prepared = inner.Prepare(offer);
            return prepared with { Perturbers = new WarmedPerturberFactory(prepared.Perturbers, warmup, window) };
        }
    }
}
