namespace StreamPipeline.Bench;

/// <summary>
/// The process's peak resident set size (VmHWM in /proc/self/status). It is process-wide and cumulative;
/// <see cref="TryReset"/> lowers it to the current RSS where the kernel allows it, so that a phase's own peak can be read.
/// </summary>
public static class PeakRss
{
    private const string StatusPath = "/proc/self/status";
    private const string ClearRefsPath = "/proc/self/clear_refs";

    /// <summary>VmHWM (the peak) in bytes, or null where /proc is not available.</summary>
    public static long? ReadBytes() => Read("VmHWM:");

    /// <summary>VmRSS (the resident set now) in bytes, or null where /proc is not available.</summary>
    public static long? ReadCurrentBytes() => Read("VmRSS:");

    private static long? Read(string field)
    {
        if (!File.Exists(StatusPath)) return null;
        foreach (var line in File.ReadLines(StatusPath))
        {
            // "VmHWM:\t  123456 kB"
            if (!line.StartsWith(field, StringComparison.Ordinal)) continue;
            var parts = line[field.Length..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            return parts.Length >= 1 && long.TryParse(parts[0], out var kb) ? kb * 1024 : null;
        }
        return null;
    }

    /// <summary>Resets the peak to the current RSS (writing 5 to /proc/self/clear_refs, Linux 4.0+); false where that is refused.</summary>
    public static bool TryReset()
    {
        try
        {
            File.WriteAllText(ClearRefsPath, "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
