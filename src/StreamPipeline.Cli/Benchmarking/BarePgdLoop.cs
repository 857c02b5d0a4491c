using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using StreamPipeline.Attacks;
using StreamPipeline.Models;
using TorchSharp;

namespace StreamPipeline.Cli.Benchmarking;

/// <summary>
/// Phase (a) of bench: the construction's PGD over batches already in memory, with no pipeline around it. Each device
/// gets one dedicated thread that works as a device worker does (threads set as the pipeline sets them, checkpoint
/// loaded onto the device, eval mode, the same construction), warms up on a small batch, then waits; only the loop
/// over the batches is timed. Batches are dealt round-robin when there are several devices.
/// </summary>
public static class BarePgdLoop
{
    public static BareMeasurement Run(
        string checkpoint,
        ConstructionSettings settings,
        IReadOnlyList<string> devices,
        int? torchThreads,
        IReadOnlyList<PerturbRequest> batches,
        PerturbRequest warmup,
        CancellationToken ct)
    {
        var n = devices.Count;
        var failures = new ConcurrentQueue<Exception>();
        var finished = new long[n];
        var images = new long[n];
        var successes = new long[n];
        var threadsSeen = new int[n];
        var abort = false;
        using var ready = new CountdownEvent(n);
        using var go = new ManualResetEventSlim();

        var threads = new Thread[n];
        for (var slot = 0; slot < n; slot++)
        {
            var s = slot;
            var mine = batches.Where((_, i) => i % n == s).ToArray();
            threads[s] = new Thread(() =>
            {
                ClassifierModel? model = null;
                try
                {
                    IConstruction construction;
                    torch.Device device;
                    try
                    {
                        // As ModelPerturberFactory.Create does on a device worker's thread.
                        if (torchThreads is { } t) torch.set_num_threads(t);
                        device = DeviceSelector.Select(devices[s]);
                        (model, _) = Checkpoint.Load(checkpoint, device);
                        model.eval();
                        construction = Constructions.Create(settings);
                        construction.Apply(model, warmup, device, ct);
                        threadsSeen[s] = torch.get_num_threads();
                    }
                    finally
                    {
                        ready.Signal();
                    }
                    go.Wait(CancellationToken.None);
                    if (Volatile.Read(ref abort)) return;
                    foreach (var request in mine)
                    {
                        var result = construction.Apply(model, request, device, ct);
                        images[s] += result.Indices.Length;
                        successes[s] += result.Success.Count(ok => ok);
                    }
                    finished[s] = Stopwatch.GetTimestamp();
                }
                catch (Exception e)
                {
                    failures.Enqueue(e);
                }
                finally
                {
                    model?.Dispose();
                }
            })
            {
                IsBackground = true,
                Name = $"bench-bare-{s}",
            };
            threads[s].Start();
        }

        ready.Wait(CancellationToken.None);
        if (!failures.IsEmpty) Volatile.Write(ref abort, true);
        var cpuStarted = Environment.CpuUsage.TotalTime;
        var started = Stopwatch.GetTimestamp();
        go.Set();
        foreach (var thread in threads) thread.Join();
        var cpu = Environment.CpuUsage.TotalTime - cpuStarted;

        if (!failures.IsEmpty)
        {
            var first = failures.FirstOrDefault(e => e is OperationCanceledException && ct.IsCancellationRequested) ?? failures.First();
            ExceptionDispatchInfo.Throw(first);
        }
        var elapsed = Stopwatch.GetElapsedTime(started, finished.Max());
        return new BareMeasurement(elapsed, cpu, images.Sum(), settings.Attack.Steps, threadsSeen[0], successes.Sum(), PeakRss.ReadBytes());
    }
}
