using System.Globalization;
using System.Text.RegularExpressions;

namespace StreamPipeline.Cli.Tests.Observability;

/// <summary>
/// A scrape in the OpenMetrics text format, read as Prometheus reads it: metric families (<c># TYPE</c>,
/// <c># UNIT</c>) and samples with their labels.
/// </summary>
public sealed partial class MetricsExposition
{
    /// <summary>What Prometheus 2.x asks for: OpenMetrics first, the classic text format as a fallback.</summary>
    public const string PrometheusAccept =
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    private MetricsExposition(Dictionary<string, string> types, Dictionary<string, string> units, List<Sample> samples)
    {
        Types = types;
        Units = units;
        Samples = samples;
    }

    /// <summary>Family name → type (counter, gauge, histogram, info …).</summary>
    public IReadOnlyDictionary<string, string> Types { get; }

    /// <summary>Family name → unit, for the families that declare one.</summary>
    public IReadOnlyDictionary<string, string> Units { get; }

    public IReadOnlyList<Sample> Samples { get; }

    public IEnumerable<Sample> Named(string name) => Samples.Where(s => s.Name == name);

    public static MetricsExposition Parse(string text)
    {
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var units = new Dictionary<string, string>(StringComparer.Ordinal);
        var samples = new List<Sample>();
        foreach (var line in text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal) || line.StartsWith("# UNIT ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ', 4);
                (parts[1] == "TYPE" ? types : units)[parts[2]] = parts[3];
                continue;
            }
            if (line.StartsWith('#'))
                continue;
            var match = SampleLine().Match(line);
            if (!match.Success)
                throw new FormatException($"not a sample line: {line}");
            var labels = LabelPair().Matches(match.Groups["labels"].Value)
                .ToDictionary(m => m.Groups[1].Value, m => Regex.Unescape(m.Groups[2].Value), StringComparer.Ordinal);
            samples.Add(new Sample(match.Groups["name"].Value, labels, double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture)));
        }
        return new MetricsExposition(types, units, samples);
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)(\s+\S+)?$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();
}
