using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using TorchSharp;

namespace StreamPipeline.Bench;

/// <summary>
/// This machine's FP32 peak per core as bench measures it at start, on each CPU in turn (a thread pinned there), best of
/// <see cref="Repetitions"/> after an untimed call, timed by the thread's own processor clock (a busy machine that takes
/// the CPU away mid-measurement does not lower it; the wall-clock figure is kept beside it):
/// <list type="bullet">
/// <item>the FMA units: 12 independent chains of 256- and 512-bit fused multiply-adds (x86 FMA/AVX-512), enough to keep
/// every FMA pipe busy — what the core can do at all;</item>
/// <item>sgemm: <c>torch.mm</c> of two <see cref="MatrixSize"/>² float32 matrices on one thread (libtorch's BLAS) — what
/// a tuned library reaches. On the AMD Zen 4 this project was measured on, MKL's sgemm reaches about 78% of the FMA
/// units while oneDNN's convolutions go above it, so the peak is the larger of the two.</item>
/// </list>
/// </summary>
public sealed partial record FlopPeak(int MatrixSize, int Repetitions, IReadOnlyList<FlopPeak.CpuPeak> PerCpu)
{
    public const int DefaultMatrixSize = 2048;
    public const int DefaultRepetitions = 5;

    /// <summary>One CPU's best rates in GFLOP per second of the thread's processor time (sgemm also per wall second); FMA is null where not measurable.</summary>
    public sealed record CpuPeak(int? Cpu, double? FmaGflops, double SgemmGflops, double SgemmGflopsPerWallSecond)
    {
        public double Gflops => Math.Max(FmaGflops ?? 0, SgemmGflops);
    }

    /// <summary>The peak of one core: the mean over the CPUs measured (paired phases swap between them).</summary>
    public double GflopsPerCore => PerCpu.Count == 0 ? double.NaN : PerCpu.Average(p => p.Gflops);

    /// <summary>sgemm's rate of one core, the mean over the CPUs measured.</summary>
    public double SgemmGflopsPerCore => PerCpu.Count == 0 ? double.NaN : PerCpu.Average(p => p.SgemmGflops);

    public string Describe() =>
        $"FMA units {string.Join(", ", PerCpu.Select(p => $"{(p.FmaGflops is { } f ? f.ToString("F1") : "n/a")}{Where(p)}"))}, " +
        $"sgemm {MatrixSize}x{MatrixSize} {string.Join(", ", PerCpu.Select(p => $"{p.SgemmGflops:F1}{Where(p)}"))} GFLOP per processor-second " +
        $"(1 thread, best of {Repetitions}); peak {GflopsPerCore:F1} GFLOP/s per core, sgemm {SgemmGflopsPerCore / GflopsPerCore:P0} of it";

    private static string Where(CpuPeak p) => p.Cpu is { } c ? $" (CPU {c})" : "";

    /// <summary>
    /// Measures on each of <paramref name="cpus"/> (a thread pinned there; none pinned when empty). Leaves the process's
    /// torch thread count as it found it.
    /// </summary>
    public static FlopPeak Measure(IReadOnlyList<int> cpus, int size = DefaultMatrixSize, int repetitions = DefaultRepetitions)
    {
        var targets = cpus.Count == 0 ? new int?[] { null } : cpus.Select(c => (int?)c).ToArray();
        var peaks = new List<CpuPeak>();
        foreach (var cpu in targets)
        {
            CpuPeak? peak = null;
            Exception? failure = null;
            var thread = new Thread(() =>
            {
                try
                {
                    peak = MeasureHere(cpu, size, repetitions);
                }
                catch (Exception e)
                {
                    failure = e;
                }
            }) { IsBackground = true, Name = "sp-peak" };
            thread.Start();
            thread.Join();
            if (failure is not null) throw new InvalidOperationException($"measuring the FP32 peak failed: {failure.Message}", failure);
            peaks.Add(peak!);
        }
        return new FlopPeak(size, repetitions, peaks);
    }

    private static CpuPeak MeasureHere(int? cpu, int size, int repetitions)
    {
        if (cpu is { } c && !CpuAffinity.PinCurrentThread(c))
            throw new InvalidOperationException($"cannot pin a thread to CPU {c}");
        var fma = Fma.IsSupported ? Best(repetitions, () => Fma256(FmaIterations), FmaIterations * 12.0 * 8 * 2).Cpu : (double?)null;
        if (Avx512F.IsSupported)
            fma = Math.Max(fma ?? 0, Best(repetitions, () => Fma512(FmaIterations), FmaIterations * 12.0 * 16 * 2).Cpu);

        var threads = torch.get_num_threads();
        torch.set_num_threads(1);
        try
        {
            using var scope = torch.NewDisposeScope();
            var a = torch.rand(size, size);
            var b = torch.rand(size, size);
            var (sgemm, sgemmWall) = Best(repetitions, () => torch.mm(a, b).Dispose(), 2.0 * size * size * size);
            return new CpuPeak(cpu, fma, sgemm, sgemmWall);
        }
        finally
        {
            torch.set_num_threads(threads);
        }
    }

    /// <summary>Best GFLOP/s of <paramref name="work"/> (<paramref name="flop"/> each) over the repetitions, after one untimed call.</summary>
    private static (double Cpu, double Wall) Best(int repetitions, Action work, double flop)
    {
        work();
        double bestCpu = double.MaxValue, bestWall = double.MaxValue;
        for (var i = 0; i < repetitions; i++)
        {
            var cpuStart = ThreadCpuSeconds();
            var wallStart = Stopwatch.GetTimestamp();
            work();
            bestWall = Math.Min(bestWall, Stopwatch.GetElapsedTime(wallStart).TotalSeconds);
            bestCpu = Math.Min(bestCpu, ThreadCpuSeconds() - cpuStart);
        }
        return (flop / bestCpu / 1e9, flop / bestWall / 1e9);
    }

    // About 20 ms a call at 100 GFLOP/s.
    private const long FmaIterations = 10_000_000;

    // Twelve independent accumulators: more than FMA latency (4 cycles) × pipes (2) chains, so no chain waits on itself.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Fma256(long iterations)
    {
        Vector256<float> m = Vector256.Create(0.9999999f), c = Vector256.Create(1e-7f);
        Vector256<float> a0 = Vector256.Create(1f), a1 = a0 + c, a2 = a1 + c, a3 = a2 + c, a4 = a3 + c, a5 = a4 + c;
        Vector256<float> a6 = a5 + c, a7 = a6 + c, a8 = a7 + c, a9 = a8 + c, a10 = a9 + c, a11 = a10 + c;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Fma.MultiplyAdd(a0, m, c); a1 = Fma.MultiplyAdd(a1, m, c); a2 = Fma.MultiplyAdd(a2, m, c); a3 = Fma.MultiplyAdd(a3, m, c);
            a4 = Fma.MultiplyAdd(a4, m, c); a5 = Fma.MultiplyAdd(a5, m, c); a6 = Fma.MultiplyAdd(a6, m, c); a7 = Fma.MultiplyAdd(a7, m, c);
            a8 = Fma.MultiplyAdd(a8, m, c); a9 = Fma.MultiplyAdd(a9, m, c); a10 = Fma.MultiplyAdd(a10, m, c); a11 = Fma.MultiplyAdd(a11, m, c);
        }
        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Fma512(long iterations)
    {
        Vector512<float> m = Vector512.Create(0.9999999f), c = Vector512.Create(1e-7f);
        Vector512<float> a0 = Vector512.Create(1f), a1 = a0 + c, a2 = a1 + c, a3 = a2 + c, a4 = a3 + c, a5 = a4 + c;
        Vector512<float> a6 = a5 + c, a7 = a6 + c, a8 = a7 + c, a9 = a8 + c, a10 = a9 + c, a11 = a10 + c;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Avx512F.FusedMultiplyAdd(a0, m, c); a1 = Avx512F.FusedMultiplyAdd(a1, m, c); a2 = Avx512F.FusedMultiplyAdd(a2, m, c);
            a3 = Avx512F.FusedMultiplyAdd(a3, m, c); a4 = Avx512F.FusedMultiplyAdd(a4, m, c); a5 = Avx512F.FusedMultiplyAdd(a5, m, c);
            a6 = Avx512F.FusedMultiplyAdd(a6, m, c); a7 = Avx512F.FusedMultiplyAdd(a7, m, c); a8 = Avx512F.FusedMultiplyAdd(a8, m, c);
            a9 = Avx512F.FusedMultiplyAdd(a9, m, c); a10 = Avx512F.FusedMultiplyAdd(a10, m, c); a11 = Avx512F.FusedMultiplyAdd(a11, m, c);
        }
        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    private const int ClockThreadCputimeId = 3;

    private static double ThreadCpuSeconds()
    {
        if (clock_gettime(ClockThreadCputimeId, out var time) != 0)
            throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
        return time.Seconds + time.Nanoseconds / 1e9;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int clock_gettime(int clock, out TimeSpec time);
}
