using StreamPipeline.Models;

namespace StreamPipeline.Bench;

/// <summary>
/// Each phase's work against this machine's FP32 peak. The work is counted from the model's layers
/// (<see cref="ModelFlops"/>: 2 FLOP per multiply-add of every convolution and linear layer; a PGD step is a forward and
/// the input gradient, 2 × forward), as the D_det job does it per image: <see cref="Steps"/> steps, then two forwards
/// (the loss of the last iterate, to keep the best one, and the success check). The peak is <see cref="FlopPeak"/>'s
/// single-thread sgemm times the threads a phase ran (at most the CPUs it may use). Null peak: the devices are not CPUs.
/// </summary>
public sealed record BenchHardware(FlopPeak? Peak, ModelFlops Flops, int Steps, int Batches, int Cpus)
{
    /// <summary>FLOP the job does per image.</summary>
    public double FlopPerImage => Steps * Flops.PgdStepPerImage + 2 * Flops.ForwardPerImage;

    /// <summary>One phase's figures: FLOP rates per wall and per processor second, their share of the peak, faults per PGD step.</summary>
    /// <param name="SgemmSharePerCpuSecond">The same work against single-thread sgemm's rate (the convention on a machine whose sgemm reaches its FMA peak).</param>
    public sealed record Share(
        double GflopsPerSecond, double GflopsPerCpuSecond, double? PeakShare, double? PeakSharePerCpuSecond, double? SgemmSharePerCpuSecond, double MinorFaultsPerStep);

    public Share Of(PhaseMeasurement m) =>
        Of(m.Images, m.Cost.Elapsed.TotalSeconds, m.Cost.Cpu.TotalSeconds, m.TorchThreads.Sum(), m.Cost.MinorFaults);

    public Share Of(PeerMeasurement p) => Of(p.Images, p.Seconds, p.CpuSeconds, p.Threads, minorFaults: 0);

    private Share Of(long images, double seconds, double cpuSeconds, int threads, long minorFaults)
    {
        var flop = images * FlopPerImage;
        var perSecond = seconds > 0 ? flop / seconds / 1e9 : double.NaN;
        var perCpuSecond = cpuSeconds > 0 ? flop / cpuSeconds / 1e9 : double.NaN;
        double? share = Peak is { } p ? perSecond / (p.GflopsPerCore * Math.Clamp(threads, 1, Math.Max(1, Cpus))) : null;
        double? shareCpu = Peak is { } q ? perCpuSecond / q.GflopsPerCore : null;
        double? sgemmShare = Peak is { } r ? perCpuSecond / r.SgemmGflopsPerCore : null;
        return new Share(perSecond, perCpuSecond, share, shareCpu, sgemmShare, Batches * Steps > 0 ? (double)minorFaults / (Batches * Steps) : double.NaN);
    }

    public string DescribeWork(string architecture) =>
        $"{architecture}: {Flops.PgdStepPerImage / 1e6:N2} MFLOP per image-PGD-step (forward + input gradient, 2 FLOP per multiply-add of every " +
        $"convolution and linear layer), {FlopPerImage / 1e9:N3} GFLOP per image at {Steps} steps (+ 2 forwards: best-iterate loss, success check)";
}
