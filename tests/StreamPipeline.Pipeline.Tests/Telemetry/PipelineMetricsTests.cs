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

    private static JobSpec Spec(FaultInjection? faults = null) => JobSpecLoader.Load(null, new JobSpecOverrides
    {
        Construction = ConstructionKind.Rand, Model = "m", Data = "memory:test", ShardSize = 32, BatchSize = 8, Devices = ["cpu"],
        Faults = faults ?? FaultInjection.None,
    });

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

    [Fact]
    public async Task Device_busy_time_accrues_while_a_batch_runs_so_no_interval_shows_a_share_above_one()
    {
        // Batches of 300 ms exported every few ms: counted at the end of each batch, a 20 ms interval that held a
        // batch's end read 0.3 s of busy time (a share of 15).
        using var dir = new TempDirectory();
        var exported = new List<MetricSnapshot>();
        using var provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(PipelineMetrics.MeterName)
            .AddInMemoryExporter(exported)
            .Build();
        using var metrics = new PipelineMetrics();
        using var runner = new JobRunner(Sys, metrics);
        var data = new InMemoryDataset(24, new ImageShape(1, 4, 4));
        var factory = new ShiftPerturberFactory(data.Classes) { Delay = TimeSpan.FromMilliseconds(300) };

        var build = runner.RunAsync(Spec(), dir.Path, data, factory, new BinaryShardSink(), ModelSha);
        var readings = new List<(double Before, double After, double Busy)>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!build.IsCompleted)
        {
            var before = clock.Elapsed.TotalSeconds;
            exported.Clear();
            provider.ForceFlush();
            var after = clock.Elapsed.TotalSeconds;
            var busy = exported.LastOrDefault(m => m.Name == "stream_pipeline.device.busy_time");
            if (busy is not null)
                readings.Add((before, after, busy.MetricPoints.Single(p => HasTag(p, "device", "cpu")).GetSumDouble()));
            await Task.Delay(20);
        }
        await build;

        Assert.True(readings.Count > 20, $"only {readings.Count} readings");
        exported.Clear();
        provider.ForceFlush();
        var total = exported.Last(m => m.Name == "stream_pipeline.device.busy_time").MetricPoints.Single(p => HasTag(p, "device", "cpu")).GetSumDouble();
        // Three batches of 300 ms (a timed wait may return a few ms early).
        Assert.InRange(total, 3 * 0.29, 3 * 0.6);
        for (var i = 1; i < readings.Count; i++)
        {
            // The value read in flush i was computed between its Before and After: at most that much later than flush i-1's.
            var grew = readings[i].Busy - readings[i - 1].Busy;
            var window = readings[i].After - readings[i - 1].Before;
            Assert.True(grew >= 0, $"busy time went down at reading {i}");
            Assert.True(grew <= window, $"reading {i}: busy time grew {grew:F3} s in {window:F3} s of wall time (one worker)");
        }
    }

    [Fact]
    public async Task Job_gauges_report_the_manifests_counts_so_a_resumed_run_starts_from_what_earlier_runs_committed()
    {
        using var dir = new TempDirectory();
        var data = new InMemoryDataset(100, new ImageShape(1, 4, 4));
        using (var first = new JobRunner(Sys, new PipelineMetrics()))
            await first.RunAsync(Spec(), dir.Path, data, new ShiftPerturberFactory(data.Classes), new BinaryShardSink(), ModelSha);

        // A second run of the finished job: this process writes nothing, the job holds 100 rows in 4 shards.
        var exported = new List<MetricSnapshot>();
        using var provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(PipelineMetrics.MeterName)
            .AddInMemoryExporter(exported)
            .Build();
        using var metrics = new PipelineMetrics();
        using var again = new JobRunner(Sys, metrics);
        var result = await again.RunAsync(Spec(), dir.Path, data, new ShiftPerturberFactory(data.Classes), new BinaryShardSink(), ModelSha);
        provider.ForceFlush();

        Assert.Equal(0, result.RowsWritten);
        long Gauge(string name) => exported.Last(m => m.Name == name).MetricPoints.Single().GetGaugeLastValueLong();
        var manifest = JobDirectory.ReadManifest(dir.Path);
        Assert.Equal(manifest.RowsDone, Gauge("stream_pipeline.job.rows_committed"));
        Assert.Equal(100, Gauge("stream_pipeline.job.rows_committed"));
        Assert.Equal(100, Gauge("stream_pipeline.job.rows_total"));
        Assert.Equal(4, Gauge("stream_pipeline.job.shards_committed"));
        Assert.Equal(4, Gauge("stream_pipeline.job.shards_total"));
        Assert.True(metrics.ObservesJob);
    }
}
