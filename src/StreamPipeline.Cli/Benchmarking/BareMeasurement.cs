namespace StreamPipeline.Cli.Benchmarking;

/// <summary>One timed run of the bare PGD loop: the loop's time only (no loading, model load or warm-up in it).</summary>
/// <param name="TorchThreads">torch's intra-op thread count as seen on the (first) loop thread.</param>
/// <param name="CpuTime">Processor time of the whole process during the loop (all its threads).</param>
/// <param name="PeakRssBytes">VmHWM read right after the run (see <see cref="PeakRss"/>); null without /proc.</param>
public sealed record BareMeasurement(
    TimeSpan Elapsed, TimeSpan CpuTime, long Images, int Steps, int TorchThreads, long AttackSuccesses, long? PeakRssBytes)
{
    /// <summary>VmRSS when the phase began (after the peak was reset), to read the peak against; null without /proc.</summary>
    public long? StartRssBytes { get; init; }

    public double ImgStepsPerSecond => Elapsed.TotalSeconds > 0 ? (double)Images * Steps / Elapsed.TotalSeconds : 0;

    public double AttackSuccessRate => Images > 0 ? (double)AttackSuccesses / Images : 0;
}
