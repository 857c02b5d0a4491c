using System.Text.RegularExpressions;

namespace StreamPipeline.Cli.Tests.Observability;

/// <summary>The metrics tables of docs/observability.md (the README's "Observability" page), as the tests hold the program to them.</summary>
public static partial class ReadmeMetricsTable
{
    /// <summary>One instrument: its OpenTelemetry name and unit, the Prometheus series to query, type and tags.</summary>
    /// <param name="Series">For a histogram the base name (<c>_bucket</c>, <c>_sum</c>, <c>_count</c> follow); else the sample name.</param>
    public sealed record Row(string Instrument, string Unit, string Series, string Type, IReadOnlyList<string> Tags);

    private static readonly IReadOnlyList<Row> All = Read();

    /// <summary>The instruments of every build (a local build serves all of them).</summary>
    public static IReadOnlyList<Row> Rows { get; } = All.Where(r => !r.Instrument.StartsWith(ClusterPrefix, StringComparison.Ordinal)).ToList();

    /// <summary>The coordinator's own instruments (only a cluster coordinator serves them).</summary>
    public static IReadOnlyList<Row> ClusterRows { get; } = All.Where(r => r.Instrument.StartsWith(ClusterPrefix, StringComparison.Ordinal)).ToList();

    private const string ClusterPrefix = "stream_pipeline.cluster.";

    private static List<Row> Read()
    {
        var section = File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "docs", "observability.md"));
        var rows = new List<Row>();
        foreach (var line in section.Where(l => l.StartsWith("| `stream_pipeline.", StringComparison.Ordinal)))
        {
            var cells = line.Trim('|').Split('|').Select(c => c.Trim()).ToArray();
            if (cells.Length < 6)
                throw new InvalidDataException($"docs/observability.md: metrics row has {cells.Length} cells, expected 6: {line}");
            rows.Add(new Row(
                Code(cells[0]).Single(), Code(cells[1]).Single(), Code(cells[2]).First(), cells[3], Code(cells[4]).ToList()));
        }
        if (rows.Count == 0)
            throw new InvalidDataException("docs/observability.md has no metrics table");
        return rows;
    }

    /// <summary>The `code` spans of a cell.</summary>
    private static IEnumerable<string> Code(string cell) => CodeSpan().Matches(cell).Select(m => m.Groups[1].Value);

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex CodeSpan();
}
