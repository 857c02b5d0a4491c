using System.Diagnostics.Metrics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using StreamPipeline.Cli.Observability;

namespace StreamPipeline.Cli.Tests.Observability;

/// <summary>The console exporter's text, through a real OpenTelemetry MeterProvider and reader.</summary>
public sealed class TextMetricExporterTests
{
    [Fact]
    public void Each_export_is_one_block_with_a_line_per_point_sorted_tags_and_cumulative_values()
    {
        // A meter of its own: the exporter is name-agnostic, and other tests' StreamPipeline meters cannot leak in.
        var meterName = "test.text-exporter." + Guid.NewGuid().ToString("N");
        using var meter = new Meter(meterName);
        var output = new StringWriter();
        using var provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(meterName)
            .AddReader(new PeriodicExportingMetricReader(new TextMetricExporter(output), exportIntervalMilliseconds: 3_600_000))
            .Build();
        var rows = meter.CreateCounter<long>("test.rows", "{row}");
        var busy = meter.CreateCounter<double>("test.busy", "s");
        var inFlight = meter.CreateUpDownCounter<long>("test.in_flight");
        var duration = meter.CreateHistogram<double>("test.duration", "s");

        rows.Add(3, new("stage", "load"), new("construction", "det"));
        rows.Add(4, new("construction", "det"), new("stage", "load"));
        busy.Add(0.5);
        inFlight.Add(2);
        inFlight.Add(-1);
        duration.Record(0.25);
        duration.Record(0.5);
        provider.ForceFlush();
        rows.Add(10, new("stage", "load"), new("construction", "det"));
        provider.ForceFlush();

        var text = output.ToString();
        Assert.Equal(2, text.Split('\n').Count(l => l.StartsWith("metrics ", StringComparison.Ordinal)));
        var block = ConsoleMetricsText.LastBlock(text);
        Assert.Contains("test.rows{construction=det,stage=load} 17 {row}", block);
        Assert.Contains("test.busy 0.5 s", block);
        Assert.Contains("test.in_flight 1", block);
        Assert.Contains("test.duration count=2 sum=0.75 s", block);
        Assert.Equal(17, ConsoleMetricsText.Total(text, "test.rows"));
    }

    [Fact]
    public void An_export_with_no_points_writes_nothing()
    {
        var output = new StringWriter();
        using var provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter("test.text-exporter.nothing-" + Guid.NewGuid().ToString("N"))
            .AddReader(new PeriodicExportingMetricReader(new TextMetricExporter(output), exportIntervalMilliseconds: 3_600_000))
            .Build();

        provider.ForceFlush();

        Assert.Equal("", output.ToString());
    }
}
