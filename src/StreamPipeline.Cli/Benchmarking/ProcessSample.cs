using System.Diagnostics;

namespace StreamPipeline.Cli.Benchmarking;

/// <summary>
/// The process at one moment: clock, processor time, GC counts and pause time, bytes allocated so far, and each
/// thread's processor time. Two samples give the cost of what ran between them (<see cref="To"/>).
/// </summary>
public sealed record ProcessSample(
    long Timestamp, TimeSpan Cpu, int Gen0, int Gen1, int Gen2, TimeSpan GcPause, long AllocatedBytes,
    IReadOnlyDictionary<int, (string Name, double Seconds)> Threads)
{
    /// <summary>Samples now; any thread may call it.</summary>
    public static ProcessSample Take()
    {
        // Threads first: the cheap counters then sit closest to the clock reading.
        var threads = ThreadCpu.Sample();
        return new ProcessSample(
            Stopwatch.GetTimestamp(), Environment.CpuUsage.TotalTime, GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2),
            GC.GetTotalPauseDuration(), GC.GetTotalAllocatedBytes(precise: true), threads);
    }

    /// <summary>What the process did from this sample to <paramref name="end"/>.</summary>
    public PhaseCost To(ProcessSample end)
    {
        var cpu = end.Cpu - Cpu;
        return new PhaseCost(
            Stopwatch.GetElapsedTime(Timestamp, end.Timestamp), cpu, end.Gen0 - Gen0, end.Gen1 - Gen1, end.Gen2 - Gen2,
            end.GcPause - GcPause, end.AllocatedBytes - AllocatedBytes, ThreadGroupCpu.Between(Threads, end.Threads, cpu));
    }
}
