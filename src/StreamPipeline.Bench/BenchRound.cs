namespace StreamPipeline.Bench;

/// <summary>
/// One round of bench: every phase once, in <see cref="Order"/>, on the same model, batches and data, with the ratios
/// of this round (throughput ratios are pipeline/bare and cluster/pipeline; processor-time ratios the same way round).
/// </summary>
public sealed record BenchRound(int Number, IReadOnlyList<BenchPhase> Order, PhaseMeasurement Bare, PhaseMeasurement Pipeline, PhaseMeasurement? Cluster, PeerMeasurement? Peer)
{
    /// <summary>
    /// Paired mode: the CPU each side started the round on, how many times the two swapped CPUs during it, and the
    /// distinct CPU lists each side's threads had at the end of its window.
    /// </summary>
    public sealed record CpuPairing(int BareCpu, int PipelineCpu, int Swaps, IReadOnlyList<string> BareThreadCpus, IReadOnlyList<string> PipelineThreadCpus);

    /// <summary>Set in paired mode, where both phases ran at the same time (<see cref="Order"/> then says nothing about time).</summary>
    public CpuPairing? Pairing { get; init; }

    /// <summary>Pipeline img-PGD-steps/s over the bare loop's.</summary>
    public double Ratio => Divide(Pipeline.ImgStepsPerSecond, Bare.ImgStepsPerSecond);

    /// <summary>Processor seconds of the pipeline's window over the bare loop's, for the same images and steps: the overhead in work, which a busy machine disturbs less than time.</summary>
    public double CpuRatio => Divide(Pipeline.Cost.Cpu.TotalSeconds, Bare.Cost.Cpu.TotalSeconds);

    /// <summary>Cluster img-PGD-steps/s over the single-process pipeline's.</summary>
    public double? ClusterRatio => Cluster is { } c ? Divide(c.ImgStepsPerSecond, Pipeline.ImgStepsPerSecond) : null;

    public double? ClusterCpuRatio => Cluster is { } c ? Divide(c.Cost.Cpu.TotalSeconds, Pipeline.Cost.Cpu.TotalSeconds) : null;

    /// <summary>Our pipeline's img-PGD-steps/s over PyTorch's.</summary>
    public double? PipelineToPeer => Peer is { } p ? Divide(Pipeline.ImgStepsPerSecond, p.ImgStepsPerSecond) : null;

    /// <summary>Our bare loop's img-PGD-steps/s over PyTorch's (the same loop, engine against engine).</summary>
    public double? BareToPeer => Peer is { } p ? Divide(Bare.ImgStepsPerSecond, p.ImgStepsPerSecond) : null;

    /// <summary>The PyTorch peer at its best (<see cref="BenchPhase.PeerBest"/>), when it ran.</summary>
    public PeerMeasurement? PeerBest { get; init; }

    public double? BareToPeerBest => PeerBest is { } p ? Divide(Bare.ImgStepsPerSecond, p.ImgStepsPerSecond) : null;

    public double? PipelineToPeerBest => PeerBest is { } p ? Divide(Pipeline.ImgStepsPerSecond, p.ImgStepsPerSecond) : null;

    private static double Divide(double a, double b) => b > 0 ? a / b : double.NaN;
}
