namespace StreamPipeline.Bench;

/// <summary>Where bench attributes a thread's processor time (see <see cref="ThreadCpu.GroupOf"/>).</summary>
public enum ThreadGroup
{
    /// <summary>Device threads and the libtorch (OpenMP) threads they started: the PGD itself.</summary>
    Torch,

    /// <summary>.NET thread-pool workers: loading, relabelling, PNG encoding and Parquet writing, hashing, Akka's actors and streams.</summary>
    DotnetPool,

    /// <summary>The background GC thread (a workstation GC's blocking collections run on the thread that allocates).</summary>
    Gc,

    /// <summary>Everything else: the main thread, JIT compilation, timers, finalizer.</summary>
    Other,
}
