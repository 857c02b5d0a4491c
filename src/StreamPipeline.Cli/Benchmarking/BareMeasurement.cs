namespace StreamPipeline.Cli.Benchmarking;

/// <summary>One timed run of the bare PGD loop: the loop's time only (no loading, model load or warm-up in it).</summary>
/// <param name="TorchThreads">torch's intra-op thread count as seen on the (first) loop thread.</param>
/// <param name="PeakRssBytes">VmHWM read right after the run (see <see cref="PeakRss"/>); null without /proc.</param>
public sealed record BareMeasurement(TimeSpan Elapsed, long Images, int Steps, int TorchThreads, long AttackSuccesses, long? PeakRssBytes)
{
    public double ImgStepsPerSecond => Elapsed.TotalSeconds > 0 ? (double)Images * Steps / Elapsed.TotalSeconds : 0;

    public double AttackSuccessRate => Images > 0 ? (double)AttackSuccesses / Images : 0;
}
