using System.Diagnostics.Metrics;
using StreamPipeline.Cluster.Coordination;
using StreamPipeline.Pipeline.Telemetry;

namespace StreamPipeline.Cli.Tests.Observability;

/// <summary>The coordinator's instruments are the ones README's cluster table lists, with its units and tags.</summary>
public sealed class ClusterMetricsTableTests
{
    [Fact]
    public void Every_coordinator_instrument_is_in_the_readme_table_with_its_unit_and_tags_and_the_node_tag()
    {
        using var metrics = new PipelineMetrics("gpu-head:4053");
        var published = new List<Instrument>();
        var tags = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter, metrics.Meter) && instrument.Name.StartsWith("stream_pipeline.cluster.", StringComparison.Ordinal))
                {
                    published.Add(instrument);
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, _, measured, _) =>
        {
            var keys = tags.TryGetValue(instrument.Name, out var set) ? set : tags[instrument.Name] = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (key, _) in measured)
                keys.Add(key);
        });
        listener.Start();
        var cluster = new ClusterMetrics(metrics);
        cluster.Granted("w1");
        cluster.Expired("w1", 1);
        cluster.Committed("w1");
        cluster.Discarded("w1", "expired");
        cluster.Refused("w2");

        var rows = ReadmeMetricsTable.ClusterRows;
        Assert.Equal(rows.Select(r => r.Instrument).Order(StringComparer.Ordinal), published.Select(i => i.Name).Order(StringComparer.Ordinal));
        foreach (var row in rows)
        {
            var instrument = published.Single(i => i.Name == row.Instrument);
            Assert.Equal(row.Unit, instrument.Unit);
            Assert.Equal("counter", row.Type);
            Assert.Equal(row.Series, row.Instrument.Replace('.', '_') + "_total");
            Assert.Equal(row.Tags.Order(StringComparer.Ordinal), tags[row.Instrument].Order(StringComparer.Ordinal));
            Assert.Contains("node", tags[row.Instrument]);
        }
    }
}
