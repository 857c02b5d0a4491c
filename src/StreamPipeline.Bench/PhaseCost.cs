namespace StreamPipeline.Bench;

/// <summary>
/// What one timed window cost the whole process: wall time, processor time (all threads), garbage collections
/// (<c>GC.CollectionCount</c> deltas: a gen-1 collection also counts as gen 0, a gen 2 as both), the time the GC paused
/// the program, managed bytes allocated, the processor time by thread group, and the page faults the process took.
/// </summary>
public sealed record PhaseCost(
    TimeSpan Elapsed, TimeSpan Cpu, int Gen0Collections, int Gen1Collections, int Gen2Collections, TimeSpan GcPause, long AllocatedBytes,
    ThreadGroupCpu CpuByThreads)
{
    /// <summary>Minor page faults in the window: steady PGD steps whose buffers stay with the process take none.</summary>
    public long MinorFaults { get; init; }

    public long MajorFaults { get; init; }
}
