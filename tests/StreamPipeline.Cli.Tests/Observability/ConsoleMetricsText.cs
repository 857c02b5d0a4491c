using System.Globalization;

namespace StreamPipeline.Cli.Tests.Observability;

/// <summary>Reads what <c>--metrics console</c> wrote: blocks headed <c>metrics TIMESTAMP</c>, one indented line per metric point.</summary>
public static class ConsoleMetricsText
{
    /// <summary>
    /// The sum over tag sets of counter <paramref name="name"/> in the last block (values are cumulative, and the last
    /// block is the flush at exit); 0 when it is not there.
    /// </summary>
    public static long Total(string text, string name) => LastBlock(text)
        .Select(line => line.Split(' '))
        .Where(f => f[0] == name || f[0].StartsWith(name + "{", StringComparison.Ordinal))
        .Sum(f => long.Parse(f[1], CultureInfo.InvariantCulture));

    /// <summary>The point lines of the last block, without their indentation.</summary>
    public static IReadOnlyList<string> LastBlock(string text)
    {
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        var start = Array.FindLastIndex(lines, l => l.StartsWith("metrics ", StringComparison.Ordinal));
        if (start < 0)
            return [];
        return lines.Skip(start + 1).TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal)).Select(l => l.Trim()).ToList();
    }
}
