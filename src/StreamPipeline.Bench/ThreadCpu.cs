namespace StreamPipeline.Bench;

/// <summary>
/// Processor time of each of the process's threads, from /proc/self/task/*/stat (utime + stime, in 1/100 s), with the
/// thread's name. Bench names every thread that runs torch work <see cref="TorchThreadPrefix"/>N before its first torch
/// call; libtorch's OpenMP threads are started by that thread and inherit its name, so a prefix match finds them all.
/// </summary>
public static class ThreadCpu
{
    /// <summary>The name given to each device thread of a timed phase (bare loop or device worker).</summary>
    public const string TorchThreadPrefix = "sp-torch-";

    // USER_HZ: /proc reports thread times in these units on every Linux architecture.
    private const double TicksPerSecond = 100;

    /// <summary>Per thread id: (name, processor seconds so far); empty where /proc is not available.</summary>
    public static IReadOnlyDictionary<int, (string Name, double Seconds)> Sample()
    {
        var threads = new Dictionary<int, (string, double)>();
        const string tasks = "/proc/self/task";
        if (!Directory.Exists(tasks))
            return threads;
        foreach (var dir in Directory.EnumerateDirectories(tasks))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var tid))
                continue;
            try
            {
                // "tid (name) state ppid ... utime stime ...": the name may hold spaces and parentheses, so split after the last ')'.
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var open = stat.IndexOf('(');
                var close = stat.LastIndexOf(')');
                if (open < 0 || close < open)
                    continue;
                var fields = stat[(close + 2)..].Split(' ');
                // fields[0] is field 3 (state): utime is field 14, stime field 15.
                if (fields.Length > 12 && long.TryParse(fields[11], out var utime) && long.TryParse(fields[12], out var stime))
                    threads[tid] = (stat[(open + 1)..close], (utime + stime) / TicksPerSecond);
            }
            catch (IOException)
            {
                // The thread ended between listing and reading: its time is counted as ended (see ThreadGroupCpu).
            }
        }
        return threads;
    }

    /// <summary>Names the calling thread for the OS (what /proc and top show); false where that is refused.</summary>
    public static bool NameCurrentThread(string name)
    {
        try
        {
            // The kernel keeps 15 bytes; threads this one starts from now on (libtorch's OpenMP pool) inherit the name.
            File.WriteAllText("/proc/thread-self/comm", name.Length > 15 ? name[..15] : name);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Gives the main thread its name back when disposed. A phase whose torch work borrows the main thread
    /// (<see cref="StreamPipeline.Data.Threading.MainThread"/>) names it <see cref="TorchThreadPrefix"/>N like any
    /// device thread, and the main thread's name is the process's own (what ps and pgrep show).
    /// </summary>
    public static IDisposable KeepMainThreadName()
    {
        var comm = $"/proc/self/task/{Environment.ProcessId}/comm";
        string? name;
        try
        {
            name = File.ReadAllText(comm).TrimEnd('\n');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            name = null;
        }
        return new NameRestorer(comm, name);
    }

    private sealed class NameRestorer(string comm, string? name) : IDisposable
    {
        public void Dispose()
        {
            try
            {
                if (name is not null) File.WriteAllText(comm, name);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The name only shows in ps; the measurement is unaffected.
            }
        }
    }

    /// <summary>The group a thread's processor time is reported under, by its name.</summary>
    public static ThreadGroup GroupOf(string name) =>
        name.StartsWith(TorchThreadPrefix, StringComparison.Ordinal) ? ThreadGroup.Torch
        : name.StartsWith(".NET TP Worker", StringComparison.Ordinal) ? ThreadGroup.DotnetPool
        : name.StartsWith(".NET BGC", StringComparison.Ordinal) || name.StartsWith(".NET Server GC", StringComparison.Ordinal) ? ThreadGroup.Gc
        : ThreadGroup.Other;
}
