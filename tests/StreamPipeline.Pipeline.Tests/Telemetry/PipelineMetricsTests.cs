using OpenTelemetry;
using OpenTelemetry.Metrics;
using StreamPipeline.Data;
using StreamPipeline.Pipeline.Jobs;
using StreamPipeline.Pipeline.Sinks;
using StreamPipeline.Pipeline.Specs;
using StreamPipeline.Pipeline.Streaming;
using StreamPipeline.Pipeline.Telemetry;
using StreamPipeline.Pipeline.Tests.TestData;
using Xunit.Abstractions;

namespace StreamPipeline.Pipeline.Tests.Telemetry;

[Collection(MetricsCollection.Name)]
public class PipelineMetricsTests(ITestOutputHelper output) : PipelineTestKit(output)
{
    private const string ModelSha = "feedfeedfeedfeedfeedfeedfeedfeedfeedfeedfeedfeedfeedfeedfeedfeed";

    private static JobSpec Spec(FaultInjection? faults = null) => new JobSpec
    {
        Construction = ConstructionKind.Rand, Model = "m", Data = "memory:test", ShardSize = 32, BatchSize = 8, Devices = ["cpu"],
        Faults = faults ?? FaultInjection.None,
    }.Validated();

    private static long Sum(IEnumerable<MetricSnapshot> exported, string name, string? tag = null, string? value = null)
    {
        // Cumulative temporality: the last export holds the totals.
        var metric = exported.Last(m => m.Name == name);
        long sum = 0;
        foreach (var point in metric.MetricPoints)
        {
            if (tag is not null && !HasTag(point, tag, value!))
                continue;
            sum += point.GetSumLong();
        }
        return sum;
    }

    private static bool HasTag(MetricPoint point, string key, string value)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == key && Equals(tag.Value, value))
                return true;
        }
        return false;
    }

    [Fact]
    public async Task Exported_rows_written_equal_the_rows_in_the_output()
    {
        using var dir = new TempDirectory();
        var exported = new List<MetricSnapshot>();
        using var provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(PipelineMetrics.MeterName)
            .AddInMemoryExporter(exported)
            .Build();
        using var metrics = new PipelineMetrics();
        using var runner = new JobRunner(Sys, metrics);
        var data = new InMemoryDataset(100, new ImageShape(1, 4, 4));

        await runner.RunAsync(Spec(), dir.Path, data, new ShiftPerturberFactory(data.Classes), new BinaryShardSink(), ModelSha);
        provider.ForceFlush();

        var rows = JobOutput.ReadRows(dir.Path);
        var files = JobDirectory.ReadManifest(dir.Path).DoneShards.Sum(s => new FileInfo(Path.Combine(dir.Path, "data", s.File!)).Length);
        Assert.Equal(rows.Count, Sum(exported, "stream_pipeline.rows.written"));
        Assert.Equal(100, rows.Count);
        Assert.Equal(files, Sum(exported, "stream_pipeline.bytes.written"));
        Assert.Equal(4, Sum(exported, "stream_pipeline.shards.committed"));
        Assert.Equal(100, Sum(exported, "stream_pipeline.stage.items", "stage", "perturb"));
        Assert.Equal(100, Sum(exported, "stream_pipeline.stage.items", "stage", "load"));
        Assert.Equal(13, Sum(exported, "stream_pipeline.stage.batches", "stage", "relabel"));
        Assert.Equal(4, Sum(exported, "stream_pipeline.stage.batches", "stage", "persist"));
        Assert.Equal((100L, 100L), (Sum(exported, "stream_pipeline.attack.attempts", "construction", "rand"), Sum(exported, "stream_pipeline.attack.success")));
        Assert.Equal(0, Sum(exported, "stream_pipeline.stage.in_flight"));

        var stats = metrics.Snapshot();
        Assert.Equal((100L, 4L, files), (stats.RowsWritten, stats.ShardsCommitted, stats.BytesWritten));
        Assert.Equal((100L, 13L, 0L), (stats.Perturb.Items, stats.Perturb.Batches, stats.Perturb.InFlight));
        Assert.True(stats.DeviceBusySeconds["cpu"] > 0);
    }

    [Fact]
    public async Task Batch_durations_use_second_scale_buckets_and_device_time_is_tagged_by_device()
    {
        using var dir = new TempDirectory();
        var exported = new List<MetricSnapshot>();
        using var provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(PipelineMetrics.MeterName)
            .AddInMemoryExporter(exported)
            .Build();
        using var metrics = new PipelineMetrics();
        using var runner = new JobRunner(Sys, metrics);
        var data = new InMemoryDataset(48, new ImageShape(1, 4, 4));
        var factory = new ShiftPerturberFactory(data.Classes) { Delay = TimeSpan.FromMilliseconds(20) };

        await runner.RunAsync(Spec(new FaultInjection(0, 4, [])), dir.Path, data, factory, new BinaryShardSink(), ModelSha);
        provider.ForceFlush();

        var histogram = exported.Last(m => m.Name == "stream_pipeline.stage.batch_duration");
        Assert.Equal("s", histogram.Unit);
        var perturb = histogram.MetricPoints.Single(p => HasTag(p, "stage", "perturb"));
        var bounds = new List<double>();
        foreach (var bucket in perturb.GetHistogramBuckets())
            bounds.Add(bucket.ExplicitBound);
        Assert.Equal(PipelineMetrics.BatchDurationBuckets.Append(double.PositiveInfinity), bounds);
        Assert.Equal(6, perturb.GetHistogramCount());
        Assert.True(perturb.GetHistogramSum() >= 6 * 2 * 0.02, "each batch ran as two 20 ms halves");

        var busy = exported.Last(m => m.Name == "stream_pipeline.device.busy_time");
        Assert.Equal("s", busy.Unit);
        Assert.True(busy.MetricPoints.Single(p => HasTag(p, "device", "cpu")).GetSumDouble() >= 12 * 0.02);
        Assert.Equal(6, Sum(exported, "stream_pipeline.splits", "device", "cpu"));
    }
}
