namespace StreamPipeline.Cli.Benchmarking;

/// <summary>
/// What one timed window cost the whole process: wall time, processor time (all threads), garbage collections
/// (<c>GC.CollectionCount</c> deltas: a gen-1 collection also counts as gen 0, a gen 2 as both), the time the GC paused
/// the program, managed bytes allocated, and the processor time by thread group.
/// </summary>
public sealed record PhaseCost(
    TimeSpan Elapsed, TimeSpan Cpu, int Gen0Collections, int Gen1Collections, int Gen2Collections, TimeSpan GcPause, long AllocatedBytes,
    ThreadGroupCpu CpuByThreads);
