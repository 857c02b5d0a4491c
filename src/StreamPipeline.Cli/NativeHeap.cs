using System.Runtime.InteropServices;

namespace StreamPipeline.Cli;

/// <summary>
/// Keeps glibc's malloc from handing libtorch's large CPU buffers back to the kernel after every PGD step.
/// By default glibc serves a block above its (sliding) mmap threshold with a fresh mapping and unmaps it on free, and
/// trims a thread arena's free top, so those buffers were faulted in afresh each step, differently from run to run
/// (what it cost, and bench's ±5% that it caused: README, Benchmark). With a fixed 32 MiB threshold (glibc's maximum),
/// no trimming and a 64 MiB top pad, freed memory stays with the process for the next step, so its resident size
/// stays at its peak. Set <c>STREAM_PIPELINE_MALLOC=default</c> to keep glibc's own settings. Does nothing on other
/// C libraries.
/// </summary>
public static partial class NativeHeap
{
    public const string Variable = "STREAM_PIPELINE_MALLOC";

    private const int TrimThreshold = -1;  // M_TRIM_THRESHOLD
    private const int TopPad = -2;         // M_TOP_PAD
    private const int MmapThreshold = -3;  // M_MMAP_THRESHOLD

    /// <summary>Applies the settings once, at start-up before any torch work, unless <see cref="Variable"/> says <c>default</c>.</summary>
    public static bool Tune() => Tune(Environment.GetEnvironmentVariable(Variable));

    /// <summary>Applies the settings unless <paramref name="setting"/> is <c>default</c>; true when glibc took all three.</summary>
    public static bool Tune(string? setting)
    {
        if (!OperatingSystem.IsLinux() || setting is "default")
            return false;
        try
        {
            // glibc refuses a threshold above 32 MiB (half its 64 MiB thread heap). A trim threshold of 2 GiB means never in practice;
            // the top pad also keeps a thread arena from unmapping a heap that falls empty between steps.
            return mallopt(MmapThreshold, 32 << 20) == 1
                   & mallopt(TrimThreshold, int.MaxValue) == 1
                   & mallopt(TopPad, 64 << 20) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // musl and other C libraries: nothing to tune.
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int mallopt(int param, int value);
}
