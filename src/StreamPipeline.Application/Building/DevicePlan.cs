using StreamPipeline.Models;

namespace StreamPipeline.Application.Building;

/// <summary>
/// The devices a build or bench runs on and the CPU threads each device worker gets — decided here and nowhere else,
/// so the bare PGD loop of bench and the pipeline run with the same thread policy.
/// </summary>
/// <param name="Devices">One worker per entry (auto resolved: every CUDA device, else cpu).</param>
/// <param name="TorchThreadsPerWorker">libtorch intra-op threads per worker; null leaves the process setting alone.</param>
public sealed record DevicePlan(IReadOnlyList<string> Devices, int? TorchThreadsPerWorker)
{
    /// <summary>Resolves <c>auto</c>, checks every device exists (one notice line when falling back to the CPU).</summary>
    public static DevicePlan For(IReadOnlyList<string> devices, Action<string>? notice = null)
    {
        var resolved = devices.Count == 1 && devices[0] == "auto" ? DeviceSelector.ParseList("auto") : devices;
        foreach (var device in resolved.Distinct())
            DeviceSelector.Select(device, notice);
        // Several workers on one CPU share its cores instead of each taking all of them.
        var cpuWorkers = resolved.Count(d => d == "cpu");
        int? threads = cpuWorkers > 1 ? Math.Max(1, Environment.ProcessorCount / cpuWorkers) : null;
        return new DevicePlan(resolved.ToArray(), threads);
    }
}
