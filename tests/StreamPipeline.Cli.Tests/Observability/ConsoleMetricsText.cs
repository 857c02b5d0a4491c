using System.Globalization;

namespace StreamPipeline.Cli.Tests.Observability;

/// <summary>
/// Reads what <c>--metrics console</c> wrote: OpenTelemetry's console exporter, a block per metric headed
/// <c>Metric Name: NAME, …</c>, each point a <c>(start, end] TAGS</c> line followed by <c>Value: …</c>.
/// </summary>
public static class ConsoleMetricsText
{
    /// <summary>
    /// The sum over tag sets of counter <paramref name="name"/> in its last block (values are cumulative, and the last
    /// export is the flush at exit); 0 when it is not there.
    /// </summary>
    public static long Total(string text, string name) => LastPoints(text, name)
        .Sum(p => long.Parse(p.Value, CultureInfo.InvariantCulture));

    /// <summary>The points (tags line, value text) of the last block of <paramref name="name"/>; empty when none.</summary>
    public static IReadOnlyList<(string Tags, string Value)> LastPoints(string text, string name)
    {
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        var start = Array.FindLastIndex(lines, l => l.StartsWith($"Metric Name: {name},", StringComparison.Ordinal));
        if (start < 0)
            return [];
        var points = new List<(string, string)>();
        for (var i = start + 1; i < lines.Length && !lines[i].StartsWith("Metric Name: ", StringComparison.Ordinal)
             && !lines[i].StartsWith("Resource associated with", StringComparison.Ordinal); i++)
        {
            if (lines[i].StartsWith('(') && i + 1 < lines.Length && lines[i + 1].StartsWith("Value: ", StringComparison.Ordinal))
                points.Add((lines[i][(lines[i].IndexOf(']', StringComparison.Ordinal) + 1)..].Trim(), lines[i + 1]["Value: ".Length..].Trim()));
        }
        return points;
    }

    /// <summary>True when <paramref name="text"/> holds at least one block of OpenTelemetry's console exporter.</summary>
    public static bool HasExport(string text) => text.Split('\n').Any(l => l.StartsWith("Metric Name: ", StringComparison.Ordinal));
}
