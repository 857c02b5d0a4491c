using System.Globalization;

namespace StreamPipeline.Bench;

/// <summary>The system's load averages (1, 5, 15 minutes) from /proc/loadavg: how busy the machine was while bench measured it.</summary>
public sealed record LoadAverage(double OneMinute, double FiveMinutes, double FifteenMinutes)
{
    /// <summary>Now; null where /proc/loadavg is not available.</summary>
    public static LoadAverage? Read()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return parts.Length >= 3
                && double.TryParse(parts[0], CultureInfo.InvariantCulture, out var one)
                && double.TryParse(parts[1], CultureInfo.InvariantCulture, out var five)
                && double.TryParse(parts[2], CultureInfo.InvariantCulture, out var fifteen)
                ? new LoadAverage(one, five, fifteen)
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{OneMinute:F2} {FiveMinutes:F2} {FifteenMinutes:F2}");
}
