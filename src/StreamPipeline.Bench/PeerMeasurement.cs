namespace StreamPipeline.Bench;

/// <summary>
/// One run of the PyTorch peer (scripts/pytorch_pgd_bench.py), as it reports itself: its loop's time only, after its own
/// warm-up batch and with the data already in memory, as the bare loop is timed.
/// </summary>
/// <param name="Engine">e.g. <c>pytorch 1.13.1</c>.</param>
/// <param name="Weights">The weights file it loaded (bench's model exported with export-model), or <c>random</c>.</param>
public sealed record PeerMeasurement(
    string Engine, string Arch, string Data, string Weights, long Images, int Steps, int Threads, double Seconds, double CpuSeconds,
    double ImgStepsPerSecond, double AttackSuccessRate)
{
    /// <summary>The BLAS library the Python process had mapped, as the script found it in /proc/self/maps.</summary>
    public string Blas { get; init; } = "unknown";

    /// <summary>The model transforms it applied (<c>none</c>, or <c>fold-bn,channels-last</c>).</summary>
    public string Levers { get; init; } = "none";

    /// <summary>GLIBC_TUNABLES as the process saw it; empty for glibc's own settings.</summary>
    public string GlibcTunables { get; init; } = "";

    public double ImgStepsPerCpuSecond => CpuSeconds > 0 ? Images * Steps / CpuSeconds : double.NaN;
}
