using System.Globalization;
using System.Text;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace StreamPipeline.Cli.Observability;

/// <summary>
/// <c>--metrics console</c>: each export as a block of text lines, one per metric point, on a writer of our choosing
/// (stderr or a file). OpenTelemetry's console exporter writes to stdout only, where it would mix into <c>--json</c>.
/// A block starts with <c>metrics TIMESTAMP</c>; a line reads <c>NAME{TAG=VALUE,…} VALUE UNIT</c>, histograms
/// <c>NAME{…} count=N sum=S UNIT</c>. Values are cumulative, so the last block holds the job's totals.
/// </summary>
public sealed class TextMetricExporter(TextWriter writer) : BaseExporter<Metric>
{
    public override ExportResult Export(in Batch<Metric> batch)
    {
        var text = new StringBuilder();
        var points = 0;
        foreach (var metric in batch)
        {
            foreach (ref readonly var point in metric.GetMetricPoints())
            {
                text.Append("  ").Append(metric.Name);
                AppendTags(text, point.Tags);
                text.Append(' ').Append(Value(metric.MetricType, point));
                if (!string.IsNullOrEmpty(metric.Unit))
                    text.Append(' ').Append(metric.Unit);
                text.AppendLine();
                points++;
            }
        }
        if (points == 0)
            return ExportResult.Success; // before the job's meter exists: nothing to say
        text.Insert(0, "metrics " + DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) + Environment.NewLine);
        // One write per block, so lines from other threads on the same stream land between blocks, not inside them.
        writer.Write(text.ToString());
        writer.Flush();
        return ExportResult.Success;
    }

    private static string Value(MetricType type, in MetricPoint point) => type switch
    {
        MetricType.LongSum or MetricType.LongSumNonMonotonic => Text(point.GetSumLong()),
        MetricType.DoubleSum or MetricType.DoubleSumNonMonotonic => Text(point.GetSumDouble()),
        MetricType.LongGauge => Text(point.GetGaugeLastValueLong()),
        MetricType.DoubleGauge => Text(point.GetGaugeLastValueDouble()),
        MetricType.Histogram or MetricType.ExponentialHistogram => $"count={Text(point.GetHistogramCount())} sum={Text(point.GetHistogramSum())}",
        _ => "?",
    };

    private static void AppendTags(StringBuilder text, ReadOnlyTagCollection tags)
    {
        var pairs = new List<KeyValuePair<string, object?>>();
        foreach (var tag in tags)
            pairs.Add(tag);
        if (pairs.Count == 0)
            return;
        text.Append('{').AppendJoin(',', pairs.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={Convert.ToString(p.Value, CultureInfo.InvariantCulture)}")).Append('}');
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
