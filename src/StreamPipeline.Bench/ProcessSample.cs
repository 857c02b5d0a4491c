using System.Diagnostics;

namespace StreamPipeline.Bench;

/// <summary>
/// The process at one moment: clock, processor time, GC counts and pause time, bytes allocated so far, page faults so
/// far (all threads, ended ones included: /proc/self/stat), and each thread's processor time. Two samples give the cost
/// of what ran between them (<see cref="To"/>).
/// </summary>
public sealed record ProcessSample(
    long Timestamp, TimeSpan Cpu, int Gen0, int Gen1, int Gen2, TimeSpan GcPause, long AllocatedBytes,
    IReadOnlyDictionary<int, (string Name, double Seconds)> Threads)
{
    /// <summary>Minor page faults of the process so far (a page first touched, or mapped again after it was given back); 0 without /proc.</summary>
    public long MinorFaults { get; init; }

    /// <summary>Major page faults (read from disk) of the process so far.</summary>
    public long MajorFaults { get; init; }

    /// <summary>Samples now; any thread may call it.</summary>
    public static ProcessSample Take()
    {
        // Threads first: the cheap counters then sit closest to the clock reading.
        var threads = ThreadCpu.Sample();
        var (minor, major) = Faults();
        return new ProcessSample(
            Stopwatch.GetTimestamp(), Environment.CpuUsage.TotalTime, GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2),
            GC.GetTotalPauseDuration(), GC.GetTotalAllocatedBytes(precise: true), threads)
        {
            MinorFaults = minor,
            MajorFaults = major,
        };
    }

    /// <summary>minflt and majflt (fields 10 and 12) of /proc/self/stat; zeros where it cannot be read.</summary>
    private static (long Minor, long Major) Faults()
    {
        try
        {
            var stat = File.ReadAllText("/proc/self/stat");
            // "pid (name) state ...": the name may hold spaces, so count fields after the last ')'; fields[0] is field 3.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Length > 9 && long.TryParse(fields[7], out var minor) && long.TryParse(fields[9], out var major) ? (minor, major) : (0, 0);
        }
        catch (IOException)
        {
            return (0, 0);
        }
    }

    /// <summary>What the process did from this sample to <paramref name="end"/>.</summary>
    public PhaseCost To(ProcessSample end)
    {
        var cpu = end.Cpu - Cpu;
        return new PhaseCost(
            Stopwatch.GetElapsedTime(Timestamp, end.Timestamp), cpu, end.Gen0 - Gen0, end.Gen1 - Gen1, end.Gen2 - Gen2,
            end.GcPause - GcPause, end.AllocatedBytes - AllocatedBytes, ThreadGroupCpu.Between(Threads, end.Threads, cpu))
        {
            MinorFaults = end.MinorFaults - MinorFaults,
            MajorFaults = end.MajorFaults - MajorFaults,
        };
    }
}
