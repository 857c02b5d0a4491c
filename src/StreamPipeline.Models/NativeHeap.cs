using System.Collections;
using System.Runtime.InteropServices;

namespace StreamPipeline.Models;

/// <summary>
/// Keeps glibc's malloc from handing libtorch's CPU buffers back to the kernel between PGD steps, so that steady-state
/// steps take (almost) no page faults. By default glibc serves every block above its (sliding, at most 32 MiB) mmap
/// threshold with a fresh mapping and unmaps it on free, and trims a heap's free top: a ResNet-50 batch of 64 at 32×32
/// has 64 MiB activations, so each was mapped, faulted in and zeroed afresh every step (measured on a worker thread:
/// 500,000 faults a step, 10.2 img-PGD-steps per processor-second against 12.7 with the blocks reused).
/// The settings, as glibc tunables (read before any thread allocates) and by mallopt for what is already running:
/// no mmap (M_MMAP_MAX 0: a block goes back to its heap and is reused), no trimming and a 64 MiB top pad (freed memory
/// stays with the process), a fixed 32 MiB mmap threshold (no sliding), and transparent huge pages on the heaps
/// (glibc.malloc.hugetlb=1, where the kernel's THP mode is madvise): a block above a thread arena's 64 MiB heap limit is
/// still mmapped afresh whatever M_MMAP_MAX says, and 2 MiB pages make that 512 times fewer faults (where the kernel grants
/// them; not under gVisor). So the torch work itself runs on the main thread, whose arena has no such limit
/// (StreamPipeline.Data.Threading.MainThread). Threads started after
/// start-up share the arenas already made (M_ARENA_MAX 1 by mallopt). Not chosen, measured (2,000 against 20,000 images
/// of small-cnn, det, 1 step): one arena for the whole process from the start (glibc.malloc.arena_max=1) also ends the
/// faults of the largest blocks, but the pipeline's other threads then fragment the one heap and the peak RSS grew with
/// the job (ratio 1.49 and 1.62, against 1.05 with these settings). Set <c>STREAM_PIPELINE_MALLOC=default</c> to keep
/// glibc's own settings. Does nothing on other C libraries.
/// </summary>
public static partial class NativeHeap
{
    public const string Variable = "STREAM_PIPELINE_MALLOC";

    /// <summary>The settings as glibc tunables (glibc 2.26+; hugetlb 2.35+), which glibc applies before any thread allocates.</summary>
    public const string Tunables =
        "glibc.malloc.hugetlb=1:glibc.malloc.mmap_max=0:glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=2147483647:glibc.malloc.top_pad=67108864";

    public const string TunablesVariable = "GLIBC_TUNABLES";

    private const int TrimThreshold = -1;  // M_TRIM_THRESHOLD
    private const int TopPad = -2;         // M_TOP_PAD
    private const int MmapThreshold = -3;  // M_MMAP_THRESHOLD
    private const int MmapMax = -4;        // M_MMAP_MAX
    private const int ArenaMax = -8;       // M_ARENA_MAX

    /// <summary>
    /// Runs the program again, once and at once (execve: the same process id, arguments and environment), with
    /// <see cref="Tunables"/> added to GLIBC_TUNABLES, unless they are there already, <see cref="Variable"/> says
    /// <c>default</c>, or the C library is not glibc. Why: glibc takes huge pages only from its tunables, and mallopt's
    /// settings reach only the arenas and threads that come after the call, while the .NET runtime's own threads have made
    /// their arenas before Main (seen: a step with 84 MB buffers took 126,000 page faults with mallopt alone, 1,000–5,000
    /// with the tunables). Costs one more start of the runtime (about 0.1 s). Returns only when it did not run the program again.
    /// </summary>
    public static void RunWithTunables()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable(Variable) is "default" || !IsGlibc())
            return;
        var current = Environment.GetEnvironmentVariable(TunablesVariable);
        if (current is not null && current.Contains(Tunables, StringComparison.Ordinal))
            return;
        string[] arguments;
        try
        {
            arguments = File.ReadAllText("/proc/self/cmdline").Split('\0', StringSplitOptions.None)[..^1];
        }
        catch (IOException)
        {
            return;
        }
        var environment = new List<string>();
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
            if ((string)entry.Key != TunablesVariable)
                environment.Add($"{entry.Key}={entry.Value}");
        // The user's own tunables stay; ours come last, so they win where both name one.
        environment.Add($"{TunablesVariable}={(string.IsNullOrEmpty(current) ? "" : current + ":")}{Tunables}");
        // The program's own path, not /proc/self/exe: the kernel names the process after the file run, and "exe" is what
        // ps, top and pgrep would show.
        Execute(OwnPath(), arguments, environment);
    }

    // Where the program's file is gone (replaced while it ran), /proc/self/exe still runs it.
    private static string OwnPath() => Environment.ProcessPath is { } path && File.Exists(path) ? path : "/proc/self/exe";

    /// <summary>Applies the settings once, at start-up before any torch work, unless <see cref="Variable"/> says <c>default</c>.</summary>
    public static bool Tune() => Tune(Environment.GetEnvironmentVariable(Variable));

    /// <summary>Applies the settings unless <paramref name="setting"/> is <c>default</c>; true when glibc took all of them.</summary>
    public static bool Tune(string? setting)
    {
        if (!OperatingSystem.IsLinux() || setting is "default")
            return false;
        try
        {
            // The same as the tunables (bar huge pages), for a process started without them, and the arena limit for the
            // threads that start from now on. glibc refuses a threshold above 32 MiB; a trim threshold of 2 GiB means never.
            return mallopt(MmapThreshold, 32 << 20) == 1
                   & mallopt(TrimThreshold, int.MaxValue) == 1
                   & mallopt(TopPad, 64 << 20) == 1
                   & mallopt(MmapMax, 0) == 1
                   & mallopt(ArenaMax, 1) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // musl and other C libraries: nothing to tune.
            return false;
        }
    }

    private static bool IsGlibc()
    {
        try
        {
            return gnu_get_libc_version() != IntPtr.Zero;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    private static void Execute(string path, IReadOnlyList<string> arguments, IReadOnlyList<string> environment)
    {
        var argv = ToNative(arguments);
        var envp = ToNative(environment);
        try
        {
            execve(path, argv, envp);
            // Still here: execve failed; the program goes on with mallopt's settings alone.
        }
        finally
        {
            foreach (var pointer in argv.Concat(envp)) Marshal.FreeCoTaskMem(pointer);
        }
    }

    private static IntPtr[] ToNative(IReadOnlyList<string> strings) => [.. strings.Select(Marshal.StringToCoTaskMemUTF8), IntPtr.Zero];

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int mallopt(int param, int value);

    [LibraryImport("libc", EntryPoint = "gnu_get_libc_version")]
    private static partial IntPtr gnu_get_libc_version();

    [LibraryImport("libc", EntryPoint = "execve", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int execve(string path, IntPtr[] argv, IntPtr[] envp);
}
