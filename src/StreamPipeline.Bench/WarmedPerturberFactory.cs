using StreamPipeline.Attacks;
using StreamPipeline.Data.Threading;
using StreamPipeline.Pipeline.Devices;
using TorchSharp;

namespace StreamPipeline.Bench;

/// <summary>
/// Wraps the build's perturber factory so that a device worker starts as the bare loop's thread does: named for the
/// processor-time split before any torch work, the same warm-up batch perturbed once (first-call costs: kernels,
/// allocator, thread pool), and only then reported ready to the <see cref="PhaseWindow"/>. Runs on the worker's thread.
/// The perturber itself is returned unwrapped: timed batches take exactly the build's path.
/// </summary>
public sealed class WarmedPerturberFactory(IPerturberFactory inner, PerturbRequest warmup, PhaseWindow window) : IPerturberFactory, IDisposable
{
    public void Dispose() => (inner as IDisposable)?.Dispose();

    private int _workers;

    public IBatchPerturber Create(string device)
    {
        ThreadCpu.NameCurrentThread(ThreadCpu.TorchThreadPrefix + (Interlocked.Increment(ref _workers) - 1));
        var perturber = inner.Create(device);
        try
        {
            perturber.Perturb(warmup, CancellationToken.None);
        }
        catch
        {
            perturber.Dispose();
            throw;
        }
        window.DeviceReady(torch.get_num_threads(), MainThread.IsCurrent);
        return perturber;
    }
}
