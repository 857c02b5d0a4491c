using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using StreamPipeline.Application.Building;
using StreamPipeline.Attacks;
using StreamPipeline.Data.Threading;
using StreamPipeline.Models;
using TorchSharp;

namespace StreamPipeline.Bench;

/// <summary>
/// Phase (a) of bench: the construction's PGD over batches already in memory, with no pipeline around it. Each device
/// gets one dedicated thread that starts as a device worker does (named for the processor-time split, threads set as
/// the pipeline sets them, checkpoint loaded onto the device, eval mode, the same construction, the same warm-up batch),
/// then waits. The window runs from the moment every thread is ready to the moment the last one finishes; the threads
/// stay alive until it is closed, so their libtorch threads' processor time is still readable. Batches are dealt
/// round-robin when there are several devices. The first CPU device's thread borrows the main thread for its work where it
/// can, as a build's first CPU device worker does (<see cref="MainThread"/>).
/// </summary>
public static class BarePgdLoop
{
    public static PhaseMeasurement Run(
        VerifiedCheckpoint checkpoint,
        ConstructionSettings settings,
        IReadOnlyList<string> devices,
        int? torchThreads,
        IReadOnlyList<PerturbRequest> batches,
        PerturbRequest warmup,
        InferenceTransforms transforms,
        CancellationToken ct)
    {
        var n = devices.Count;
        var failures = new ConcurrentQueue<Exception>();
        var images = new long[n];
        var successes = new long[n];
        var threadsSeen = new int[n];
        var abort = false;
        var onMainThread = false;
        using var named = ThreadCpu.KeepMainThreadName();
        using var ready = new CountdownEvent(n);
        using var finished = new CountdownEvent(n);
        using var go = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();

        var threads = new Thread[n];
        for (var slot = 0; slot < n; slot++)
        {
            var s = slot;
            var mine = batches.Where((_, i) => i % n == s).ToArray();
            void Body()
            {
                ClassifierModel? model = null;
                try
                {
                    IConstruction construction;
                    torch.Device device;
                    try
                    {
                        ThreadCpu.NameCurrentThread(ThreadCpu.TorchThreadPrefix + s);
                        // As ModelPerturberFactory.Create does on a device worker's thread, then WarmedPerturberFactory's warm-up.
                        if (torchThreads is { } t) torch.set_num_threads(t);
                        device = DeviceSelector.Select(devices[s]);
                        model = ModelPerturberFactory.LoadForAttack(checkpoint, device, transforms);
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
                    try
                    {
                        foreach (var request in mine)
                        {
                            var result = construction.Apply(model, request, device, ct);
                            images[s] += result.Indices.Length;
                            successes[s] += result.Success.Count(ok => ok);
                        }
                    }
                    finally
                    {
                        finished.Signal();
                    }
                    release.Wait(CancellationToken.None);
                }
                catch (Exception e)
                {
                    failures.Enqueue(e);
                }
                finally
                {
                    model?.Dispose();
                }
            }

            threads[s] = new Thread(() =>
            {
                // As a build's first CPU device worker: on the main thread when it can be borrowed (MainThread).
                using var loan = s == 0 ? MainThread.TryBorrowFor(devices[s]) : null;
                if (loan is null)
                {
                    Body();
                    return;
                }
                Volatile.Write(ref onMainThread, true);
                loan.Run(Body);
            })
            {
                IsBackground = true,
                Name = ThreadCpu.TorchThreadPrefix + s,
            };
            threads[s].Start();
        }

        ready.Wait(CancellationToken.None);
        if (!failures.IsEmpty)
        {
            Volatile.Write(ref abort, true);
            go.Set();
            foreach (var thread in threads) thread.Join();
            Throw(failures, ct);
        }
        var start = ProcessSample.Take();
        go.Set();
        finished.Wait(CancellationToken.None);
        var end = ProcessSample.Take();
        release.Set();
        foreach (var thread in threads) thread.Join();
        if (!failures.IsEmpty)
            Throw(failures, ct);

        var count = images.Sum();
        return new PhaseMeasurement(BenchPhase.Bare, count, settings.Attack.Steps, threadsSeen, start.To(end), count > 0 ? (double)successes.Sum() / count : 0)
        {
            OnMainThread = onMainThread,
        };
    }

    private static void Throw(ConcurrentQueue<Exception> failures, CancellationToken ct)
    {
        var first = failures.FirstOrDefault(e => e is OperationCanceledException && ct.IsCancellationRequested) ?? failures.First();
        ExceptionDispatchInfo.Throw(first);
    }
}
