namespace StreamPipeline.Bench;

/// <summary>How bench runs its bare and pipeline phases against each other.</summary>
public enum BenchMode
{
    /// <summary>Paired where it applies (one CPU device, two usable CPUs, no cluster or PyTorch phase), else sequential.</summary>
    Auto,

    /// <summary>
    /// Bare and pipeline at the same time, each in its own process pinned to its own CPU with one torch thread, the CPUs
    /// swapped every round: whatever slows the machine slows both sides of a round alike.
    /// </summary>
    Paired,

    /// <summary>The phases one after the other in this process, on every core, the order alternating between rounds.</summary>
    Sequential,
}
