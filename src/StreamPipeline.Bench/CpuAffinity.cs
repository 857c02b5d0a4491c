using System.Runtime.InteropServices;

namespace StreamPipeline.Bench;

/// <summary>
/// Linux CPU affinity for bench's paired mode: which CPUs this process may run on, and pinning every thread of a
/// process to one CPU (threads started later inherit the pin from the thread that starts them).
/// </summary>
public static partial class CpuAffinity
{
    // cpu_set_t: 1,024 bits.
    private const int MaskWords = 16;
    private const int Esrch = 3;

    /// <summary>The CPUs the calling thread may run on, ascending; empty where affinity cannot be read (not Linux).</summary>
    public static IReadOnlyList<int> Allowed()
    {
        if (!OperatingSystem.IsLinux())
            return [];
        var mask = new ulong[MaskWords];
        if (sched_getaffinity(0, MaskWords * sizeof(ulong), mask) != 0)
            return [];
        var cpus = new List<int>();
        for (var cpu = 0; cpu < MaskWords * 64; cpu++)
            if ((mask[cpu / 64] & (1UL << (cpu % 64))) != 0)
                cpus.Add(cpu);
        return cpus;
    }

    /// <summary>
    /// Pins every thread of process <paramref name="pid"/> (one this user may change: itself or a child) to
    /// <paramref name="cpu"/>, twice over to catch threads started meanwhile. False when the process has ended.
    /// </summary>
    public static bool PinProcess(int pid, int cpu)
    {
        if (cpu is < 0 or >= MaskWords * 64)
            throw new ArgumentOutOfRangeException(nameof(cpu), cpu, "no such CPU");
        var mask = new ulong[MaskWords];
        mask[cpu / 64] = 1UL << (cpu % 64);
        for (var pass = 0; pass < 2; pass++)
        {
            IEnumerable<string> tasks;
            try
            {
                tasks = Directory.GetDirectories($"/proc/{pid}/task");
            }
            catch (DirectoryNotFoundException)
            {
                return false;
            }
            foreach (var task in tasks)
            {
                if (!int.TryParse(Path.GetFileName(task), out var tid)) continue;
                if (sched_setaffinity(tid, MaskWords * sizeof(ulong), mask) != 0 && Marshal.GetLastPInvokeError() != Esrch)
                    throw new InvalidOperationException($"cannot pin thread {tid} of process {pid} to CPU {cpu}: errno {Marshal.GetLastPInvokeError()}");
            }
        }
        return true;
    }

    /// <summary>Pins the calling thread (only it) to <paramref name="cpu"/>; false where that is refused or not Linux.</summary>
    public static bool PinCurrentThread(int cpu)
    {
        if (!OperatingSystem.IsLinux() || cpu is < 0 or >= MaskWords * 64)
            return false;
        var mask = new ulong[MaskWords];
        mask[cpu / 64] = 1UL << (cpu % 64);
        return sched_setaffinity(0, MaskWords * sizeof(ulong), mask) == 0;
    }

    /// <summary>Every distinct Cpus_allowed_list of this process's threads now (one entry when all are pinned alike).</summary>
    public static IReadOnlyList<string> ThreadMasks()
    {
        var masks = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                    if (line.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal))
                        masks.Add(line["Cpus_allowed_list:".Length..].Trim());
            }
            catch (IOException)
            {
                // The thread ended while being read.
            }
        }
        return [.. masks];
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_getaffinity(int pid, nint size, [Out] ulong[] mask);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_setaffinity(int pid, nint size, [In] ulong[] mask);
}
