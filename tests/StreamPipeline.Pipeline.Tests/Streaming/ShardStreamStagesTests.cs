using StreamPipeline.Data;
using StreamPipeline.Pipeline.Devices;
using StreamPipeline.Pipeline.Jobs;
using StreamPipeline.Pipeline.Specs;
using StreamPipeline.Pipeline.Streaming;
using StreamPipeline.Pipeline.Telemetry;
using StreamPipeline.Pipeline.Tests.TestData;
using Xunit.Abstractions;

namespace StreamPipeline.Pipeline.Tests.Streaming;

/// <summary>
/// However the build stream ends — every shard committed, a batch that keeps failing, or a cancellation — every stage
/// of it has stopped by the time <see cref="ShardStream.RunAsync"/> returns (the stream actors checked with the
/// materializer's supervisor, as Akka.Streams' AssertAllStagesStopped does): nothing is left running to write later.
/// </summary>
public class ShardStreamStagesTests(ITestOutputHelper output) : PipelineTestKit(output)
{
    private const string ModelSha = "5747e55747e55747e55747e55747e55747e55747e55747e55747e55747e55747";

    private static JobSpec Spec() => JobSpecLoader.Load(null, new JobSpecOverrides
    {
        Construction = ConstructionKind.Det, Model = "m", Data = "memory:stages", ShardSize = 16, BatchSize = 4, Devices = ["cpu", "cpu"], MaxRetries = 1,
    });

    private async Task<(ShardStream Stream, Exception? Failure)> RunAsync(ShiftPerturberFactory factory, CancellationToken ct)
    {
        using var dir = new TempDirectory();
        var spec = Spec();
        var data = new InMemoryDataset(64, new ImageShape(1, 4, 4));
        var sink = new BinaryShardSink();
        using var directory = JobDirectory.Open(dir.Path, spec, ModelSha, data.Count, shardExtension: sink.FileExtension);
        using var metrics = new PipelineMetrics();
        var manifest = directory.Manifest;
        var stream = ShardStream.ForShards(Sys, spec, data, null, factory, new LocalShardTarget(directory, sink),
            new BuildScope(manifest.Shards.Count, manifest.TotalExamples, 0, 0), directory.PendingShards(), metrics, null, ct);
        try
        {
            await stream.RunAsync();
            return (stream, null);
        }
        catch (Exception e)
        {
            return (stream, e);
        }
    }

    [Fact]
    public async Task Every_stage_has_stopped_after_a_complete_build()
    {
        var (stream, failure) = await RunAsync(new ShiftPerturberFactory(10), CancellationToken.None);

        Assert.Null(failure);
        Assert.Equal(4, stream.ShardsCommitted);
        Assert.Empty(stream.StagesLeftRunning);
    }

    [Fact]
    public async Task Every_stage_has_stopped_after_a_batch_that_keeps_failing_fails_the_build()
    {
        var (stream, failure) = await RunAsync(new ShiftPerturberFactory(10) { PoisonIndex = 37 }, CancellationToken.None);

        Assert.IsType<BatchFailedException>(failure);
        Assert.Empty(stream.StagesLeftRunning);
    }

    [Fact]
    public async Task Every_stage_has_stopped_after_a_cancellation_in_the_middle_of_a_batch()
    {
        using var cancel = new CancellationTokenSource();
        var factory = new ShiftPerturberFactory(10) { Delay = TimeSpan.FromMilliseconds(200), OnPerturb = (_, _) => cancel.CancelAfter(50) };

        var (stream, failure) = await RunAsync(factory, cancel.Token);

        Assert.IsAssignableFrom<OperationCanceledException>(failure);
        Assert.True(stream.ShardsCommitted < 4);
        Assert.Empty(stream.StagesLeftRunning);
    }

    [Fact]
    public async Task The_check_sees_the_stages_of_a_stream_that_is_running()
    {
        // The control for the tests above: while a batch is on a device the stream's actors are there to be found.
        using var dir = new TempDirectory();
        using var cancel = new CancellationTokenSource();
        var spec = Spec();
        var data = new InMemoryDataset(64, new ImageShape(1, 4, 4));
        var sink = new BinaryShardSink();
        using var started = new SemaphoreSlim(0);
        var factory = new ShiftPerturberFactory(10) { Delay = TimeSpan.FromSeconds(2), OnPerturb = (_, _) => started.Release() };
        using var directory = JobDirectory.Open(dir.Path, spec, ModelSha, data.Count, shardExtension: sink.FileExtension);
        using var metrics = new PipelineMetrics();
        var manifest = directory.Manifest;
        var stream = ShardStream.ForShards(Sys, spec, data, null, factory, new LocalShardTarget(directory, sink),
            new BuildScope(manifest.Shards.Count, manifest.TotalExamples, 0, 0), directory.PendingShards(), metrics, null, cancel.Token);
        var run = stream.RunAsync();
        Assert.True(await started.WaitAsync(TimeSpan.FromSeconds(30)));

        var running = await stream.RunningStagesAsync();

        Assert.NotEmpty(running);
        Assert.All(running, name => Assert.StartsWith("build-", name));
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.Empty(stream.StagesLeftRunning);
    }
}
