namespace StreamPipeline.Cli.Benchmarking;

/// <summary>
/// One run of the PyTorch peer (scripts/pytorch_pgd_bench.py), as it reports itself: its loop's time only, after its own
/// warm-up batch and with the data already in memory, as the bare loop is timed.
/// </summary>
/// <param name="Engine">e.g. <c>pytorch 1.13.1</c>.</param>
/// <param name="Weights">The weights file it loaded (bench's model exported with export-model), or <c>random</c>.</param>
public sealed record PeerMeasurement(
    string Engine, string Arch, string Data, string Weights, long Images, int Steps, int Threads, double Seconds, double CpuSeconds,
    double ImgStepsPerSecond, double AttackSuccessRate);
