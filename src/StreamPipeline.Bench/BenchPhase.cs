namespace StreamPipeline.Bench;

/// <summary>The phases of one bench round.</summary>
public enum BenchPhase
{
    /// <summary>The construction's PGD over batches in memory, one dedicated thread per device, nothing around it.</summary>
    Bare,

    /// <summary>The real single-process build (BuildService): Akka.Streams graph, device pool, Parquet shards, manifest.</summary>
    Pipeline,

    /// <summary>The same job through a coordinator and N workers on 127.0.0.1 (build --serve / worker --join, in this process).</summary>
    Cluster,

    /// <summary>
    /// The same targeted L2 PGD in PyTorch (scripts/pytorch_pgd_bench.py with /usr/bin/python3), a child process, as
    /// Debian installs it: the reference BLAS, no model transforms, glibc's own malloc settings.
    /// </summary>
    Peer,

    /// <summary>
    /// The PyTorch peer at its best: OpenBLAS where installed, batch-norm folded, channels_last, ReLUs and residual
    /// adds in place, and this program's glibc heap tunables — the same levers as ours, where PyTorch has them.
    /// </summary>
    PeerBest,
}
