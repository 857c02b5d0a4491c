using System.Diagnostics;
using StreamPipeline.Data;
using StreamPipeline.Pipeline.Devices;
using StreamPipeline.Pipeline.Jobs;
using StreamPipeline.Pipeline.Sinks;
using StreamPipeline.Pipeline.Specs;
using StreamPipeline.Pipeline.Streaming;
using StreamPipeline.Pipeline.Tests.TestData;
using Xunit.Abstractions;

namespace StreamPipeline.Pipeline.Tests.Streaming;

public class JobRunnerTests : PipelineTestKit
{
    private readonly ITestOutputHelper _output;

    public JobRunnerTests(ITestOutputHelper output) : base(output) => _output = output;

    private const string ModelSha = "c0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ff";
    private static readonly ImageShape Shape = new(1, 4, 4);

    private static JobSpec Spec(int shardSize = 32, int batchSize = 8, string[]? devices = null, FaultInjection? faults = null,
        ConstructionKind construction = ConstructionKind.Det, int maxAhead = 4, int maxRetries = 3) =>
        JobSpecLoader.Load(null, new JobSpecOverrides
        {
            Construction = construction,
            Model = "model.ckpt",
            Data = "memory:test",
            ShardSize = shardSize,
            BatchSize = batchSize,
            Devices = devices ?? ["cpu"],
            Faults = faults ?? FaultInjection.None,
            MaxBatchesAhead = maxAhead,
            MaxRetries = maxRetries,
            // Representation matching: an unbounded attack of 1000 steps of 0.1; otherwise the default attack.
            Norm = construction.IsRepresentationMatching() ? ThreatModel.L2Unbounded : null,
            Eps = construction.IsRepresentationMatching() ? 0 : null,
            StepSize = construction.IsRepresentationMatching() ? 0.1 : null,
            Steps = construction.IsRepresentationMatching() ? 1000 : null,
        });

    private async Task<BuildResult> Run(JobSpec spec, string jobDir, IImageDataset data, IPerturberFactory factory,
        BuildObserver? observer = null, CancellationToken ct = default)
    {
        using var runner = new JobRunner(Sys);
        return await runner.RunAsync(spec, jobDir, data, factory, new BinaryShardSink(), ModelSha, observer, ct);
    }

    /// <summary>The shard checksums of an unfaulted, uninterrupted run of <paramref name="spec"/>.</summary>
    private async Task<IReadOnlyDictionary<int, string>> CleanChecksums(JobSpec spec, InMemoryDataset data)
    {
        using var dir = new TempDirectory();
        var clean = JobSpecLoader.Change(spec, new() { Faults = FaultInjection.None });
        await Run(clean, dir.Path, data, new ShiftPerturberFactory(data.Classes));
        return JobOutput.Checksums(dir.Path);
    }

    [Theory]
    [InlineData(250, 64, 16)]
    [InlineData(101, 10, 3)]
    [InlineData(7, 100, 4)]
    [InlineData(64, 16, 16)]
    public async Task Build_writes_every_row_exactly_once_in_source_order(int total, int shardSize, int batchSize)
    {
        using var dir = new TempDirectory();
        var data = new InMemoryDataset(total, Shape);

        var result = await Run(Spec(shardSize, batchSize), dir.Path, data, new ShiftPerturberFactory(data.Classes));

        JobOutput.AssertSameRows(JobOutput.Expected(data, ConstructionKind.Det, total), JobOutput.ReadRows(dir.Path));
        var shards = (total + shardSize - 1) / shardSize;
        Assert.True(result.Complete);
        Assert.Equal((shards, 0, shards, (long)total), (result.ShardsTotal, result.ShardsSkipped, result.ShardsCommitted, result.RowsWritten));
        Assert.True(JobDirectory.ReadManifest(dir.Path).IsComplete);
        Assert.Equal(shards, Directory.GetFiles(Path.Combine(dir.Path, "data")).Length);
        Assert.Empty(JobOutput.TempFiles(dir.Path));
    }

    [Fact]
    public async Task Limit_builds_only_the_first_examples()
    {
        using var dir = new TempDirectory();
        var data = new InMemoryDataset(80, Shape);

        var result = await Run(JobSpecLoader.Change(Spec(), new() { Limit = 50 }), dir.Path, data, new ShiftPerturberFactory(data.Classes));

        Assert.Equal(50, result.RowsWritten);
        JobOutput.AssertSameRows(JobOutput.Expected(data, ConstructionKind.Det, 50), JobOutput.ReadRows(dir.Path));
    }

    [Fact]
    public async Task Robust_build_keeps_source_labels_and_hands_each_example_its_start_image()
    {
        using var dir = new TempDirectory();
        var data = new InMemoryDataset(90, Shape);
        var wrongStarts = 0;
        var factory = new ShiftPerturberFactory(data.Classes)
        {
            Construction = ConstructionKind.Robust,
            OnPerturb = (_, request) =>
            {
                for (var i = 0; i < request.Source.Count; i++)
                {
                    var expected = data.ReadRange(request.StartIndices![i], 1).Pixels;
                    if (!request.StartPixels.AsSpan(i * Shape.Size, Shape.Size).SequenceEqual(expected) || request.StartIndices[i] == request.Source.Indices[i])
                        Interlocked.Increment(ref wrongStarts);
                }
            },
        };
        var spec = JobSpecLoader.Change(Spec(construction: ConstructionKind.Robust), new() { Seed = 11 });

        await Run(spec, dir.Path, data, factory);

        var rows = JobOutput.ReadRows(dir.Path);
        Assert.Equal(0, wrongStarts);
        JobOutput.AssertSameRows(JobOutput.Expected(data, ConstructionKind.Robust, 90, StartImageChooser.OtherImage(11, 90)), rows);
        Assert.All(rows, r => Assert.Equal(r.SourceLabel, r.Label));
        Assert.True(rows.Select(r => r.StartIndex).Distinct().Count() > 30, "start images should be spread over the dataset");
    }

    [Fact]
    public async Task Two_workers_on_cpu_both_receive_batches()
    {
        using var dir = new TempDirectory();
        var data = new InMemoryDataset(160, Shape);
        var factory = new ShiftPerturberFactory(data.Classes) { Delay = TimeSpan.FromMilliseconds(5) };

        await Run(Spec(devices: ["cpu", "cpu"]), dir.Path, data, factory);

        var perBatchCounts = factory.Calls.GroupBy(c => c.Perturber).Select(g => g.Count()).ToArray();
        Assert.Equal(2, perBatchCounts.Length);
        Assert.All(perBatchCounts, n => Assert.True(n >= 3, $"a worker got only {n} of 20 batches"));
        JobOutput.AssertSameRows(JobOutput.Expected(data, ConstructionKind.Det, 160), JobOutput.ReadRows(dir.Path));
    }

    [Fact]
    public async Task A_slow_device_does_not_stall_the_others()
    {
        // Shards of one batch: while one worker is held on shard 0's batch, the other must keep building and
        // committing every other shard. Results kept in batch order (the old SelectAsync) stall after a few batches.
        using var dir = new TempDirectory();
        var data = new InMemoryDataset(80, Shape);
        using var release = new ManualResetEventSlim();
        var holding = 0;
        var releasedByProgress = false;
        var committedWhileHeld = 0;
        var factory = new ShiftPerturberFactory(data.Classes)
        {
            OnPerturb = (_, request) =>
            {
                if (request.Source.Indices[0] != 0)
                    return;
                Volatile.Write(ref holding, 1);
                release.Wait(TimeSpan.FromSeconds(20));
                Volatile.Write(ref holding, 0);
            },
        };
        var observer = new CommitCounter(shard =>
        {
            if (shard.Id != 0 && Volatile.Read(ref holding) == 1 && Interlocked.Increment(ref committedWhileHeld) == 9)
            {
                releasedByProgress = true;
                release.Set();
            }
        });

        var result = await Run(Spec(shardSize: 8, batchSize: 8, devices: ["cpu", "cpu"]), dir.Path, data, factory, observer);

        Assert.True(releasedByProgress, $"only {committedWhileHeld} of 9 other shards were committed while one device held its batch");
        Assert.True(result.Complete);
        JobOutput.AssertSameRows(JobOutput.Expected(data, ConstructionKind.Det, 80), JobOutput.ReadRows(dir.Path));
    }

    /// <summary>Calls back on every committed shard.</summary>
    private sealed class CommitCounter(Action<CommittedShard> onCommit) : BuildObserver
    {
        public override void OnShardCommitted(CommittedShard shard, BuildProgress progress) => onCommit(shard);
    }

    [Fact]
    public async Task Batches_of_an_always_failing_worker_go_to_worker_0_and_the_job_succeeds()
    {
        using var dir = new TempDirectory();
        var data = new InMemoryDataset(128, Shape);
        var factory = new ShiftPerturberFactory(data.Classes);
        var spec = Spec(devices: ["cpu", "cpu"], faults: new FaultInjection(0, 0, [1]));

        var result = await Run(spec, dir.Path, data, factory);

        // Injected faults fire before the real perturber, so every recorded call ran on worker 0's one perturber.
        Assert.Single(factory.Calls.Select(c => c.Perturber).Distinct());
        Assert.True(factory.Created.Count >= 2, "worker 1 should have been restarted");
        Assert.True(result.Stats.Retries > 0);
        JobOutput.AssertSameRows(JobOutput.Expected(data, ConstructionKind.Det, 128), JobOutput.ReadRows(dir.Path));
    }

    [Fact]
    public async Task Transient_failures_are_retried_and_the_output_is_unchanged()
    {
        using var dir = new TempDirectory();
        var data = new InMemoryDataset(120, Shape);
        var spec = Spec(devices: ["cpu", "cpu"], faults: new FaultInjection(3, 0, []));

        var result = await Run(spec, dir.Path, data, new ShiftPerturberFactory(data.Classes));

        Assert.True(result.Stats.Retries >= 3, $"{result.Stats.Retries} retries");
        Assert.Equal(await CleanChecksums(spec, data), JobOutput.Checksums(dir.Path));
    }

    [Fact]
    public async Task Out_of_memory_batches_are_split_and_the_output_equals_an_unfaulted_run()
    {
        using var dir = new TempDirectory();
        var data = new InMemoryDataset(100, Shape);
        var factory = new ShiftPerturberFactory(data.Classes);
        var spec = Spec(shardSize: 40, batchSize: 16, faults: new FaultInjection(0, 5, []), maxRetries: 0);

        var result = await Run(spec, dir.Path, data, factory);

        Assert.True(result.Stats.Splits >= 7, $"{result.Stats.Splits} splits");
        Assert.All(factory.Calls, c => Assert.InRange(c.Count, 1, 5));
        Assert.Equal(await CleanChecksums(spec, data), JobOutput.Checksums(dir.Path));
    }

    [Fact]
    public async Task Permanent_failure_fails_the_job_naming_the_batch_and_leaves_a_resumable_directory()
    {
        using var dir = new TempDirectory();
        var data = new InMemoryDataset(160, Shape);
        var spec = Spec(shardSize: 16, batchSize: 8, maxRetries: 2);
        var poisoned = new ShiftPerturberFactory(data.Classes) { PoisonIndex = 150 };

        var error = await Assert.ThrowsAsync<BatchFailedException>(() => Run(spec, dir.Path, data, poisoned));

        Assert.Equal("batch [144, 152) of shard 9 failed 3 times; last error: InvalidOperationException: poisoned example 150", error.Message);
        var manifest = JobDirectory.ReadManifest(dir.Path);
        var done = manifest.DoneShards.ToArray();
        Assert.NotEmpty(done);
        Assert.DoesNotContain(done, s => s.Id == 9);
        // Only committed shards are on disk, each as recorded; nothing half-written.
        Assert.Equal(done.Select(s => s.File!).Order(), Directory.GetFiles(Path.Combine(dir.Path, "data")).Select(Path.GetFileName).Order());
        Assert.All(done, s => Assert.Equal(s.Sha256, StreamPipeline.Data.Files.FileChecksum.Sha256Of(Path.Combine(dir.Path, "data", s.File!))));
        Assert.Empty(JobOutput.TempFiles(dir.Path));
        Assert.Equal(0, poisoned.Live);

        var resumed = await Run(spec, dir.Path, data, new ShiftPerturberFactory(data.Classes));

        Assert.Equal((done.Length, 10 - done.Length), (resumed.ShardsSkipped, resumed.ShardsCommitted));
        Assert.Equal(await CleanChecksums(spec, data), JobOutput.Checksums(dir.Path));
    }

    [Fact]
    public async Task Cancellation_stops_promptly_and_leaves_a_resumable_directory_without_temp_files()
    {
        using var dir = new TempDirectory();
        var data = new InMemoryDataset(400, Shape);
        var spec = Spec(shardSize: 16, batchSize: 8);
        var slow = new ShiftPerturberFactory(data.Classes) { Delay = TimeSpan.FromMilliseconds(30) };
        using var cts = new CancellationTokenSource();
        var cancelledAt = 0L;
        var observer = new CallbackObserver(onShard: () =>
        {
            if (Interlocked.CompareExchange(ref cancelledAt, Stopwatch.GetTimestamp(), 0) == 0)
                cts.Cancel();
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Run(spec, dir.Path, data, slow, observer, cts.Token));
        var stoppedAfter = Stopwatch.GetElapsedTime(cancelledAt);

        Assert.True(stoppedAfter < TimeSpan.FromSeconds(3), $"stopped {stoppedAfter.TotalMilliseconds:F0} ms after cancellation");
        var manifest = JobDirectory.ReadManifest(dir.Path);
        Assert.InRange(manifest.DoneShards.Count(), 1, 24);
        Assert.Empty(JobOutput.TempFiles(dir.Path));
        Assert.Equal(0, slow.Live);

        var resumed = await Run(spec, dir.Path, data, new ShiftPerturberFactory(data.Classes));

        Assert.True(resumed.Complete);
        Assert.Equal(await CleanChecksums(spec, data), JobOutput.Checksums(dir.Path));
        JobOutput.AssertSameRows(JobOutput.Expected(data, ConstructionKind.Det, 400), JobOutput.ReadRows(dir.Path));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(12)]
    public async Task Loader_never_runs_more_than_max_batches_ahead_of_the_devices(int maxAhead)
    {
        using var dir = new TempDirectory();
        var data = new InMemoryDataset(240, Shape);
        long maxLead = 0;
        ShiftPerturberFactory? factory = null;
        factory = new ShiftPerturberFactory(data.Classes)
        {
            Delay = TimeSpan.FromMilliseconds(8),
            OnPerturb = (_, _) =>
            {
                // Batches read from the dataset minus batches a device has started: the loader's lead.
                var lead = data.BatchReads - factory!.Perturbs;
                long seen;
                while (lead > (seen = Interlocked.Read(ref maxLead)) && Interlocked.CompareExchange(ref maxLead, lead, seen) != seen)
                {
                }
            },
        };

        await Run(Spec(shardSize: 48, batchSize: 4, maxAhead: maxAhead), dir.Path, data, factory);

        // Besides the buffer: load-parallelism (2) batches being read and perturb-in-flight (2 per worker) at the pool,
        // one of them on the device. The lower bound shows the buffer does fill: the bound, not luck, keeps it there.
        _output.WriteLine($"max-batches-ahead {maxAhead}: the loader led the devices by at most {maxLead} batches");
        Assert.InRange(maxLead, maxAhead, maxAhead + 4);
        Assert.Equal(60, factory.Perturbs);
    }

    [Fact]
    public async Task Rerun_of_a_complete_job_does_no_work()
    {
        using var dir = new TempDirectory();
        var data = new InMemoryDataset(64, Shape);
        await Run(Spec(), dir.Path, data, new ShiftPerturberFactory(data.Classes));
        var second = new ShiftPerturberFactory(data.Classes);

        var result = await Run(Spec(), dir.Path, data, second);

        Assert.Equal((2, 0, 0L), (result.ShardsSkipped, result.ShardsCommitted, result.RowsWritten));
        Assert.Empty(second.Created);
    }

    [Fact]
    public async Task Changed_spec_on_an_existing_job_is_refused_before_any_work()
    {
        using var dir = new TempDirectory();
        var data = new InMemoryDataset(64, Shape);
        await Run(Spec(), dir.Path, data, new ShiftPerturberFactory(data.Classes));
        var second = new ShiftPerturberFactory(data.Classes);

        var error = await Assert.ThrowsAsync<JobSpecMismatchException>(() => Run(JobSpecLoader.Change(Spec(), new() { Seed = 5 }), dir.Path, data, second));

        Assert.Equal(["spec: seed 0 -> 5"], error.Differences);
        Assert.Empty(second.Created);
    }

    [Fact]
    public async Task Observer_sees_the_start_every_batch_and_every_committed_shard()
    {
        using var dir = new TempDirectory();
        var data = new InMemoryDataset(100, Shape);
        var observer = new CallbackObserver();

        await Run(Spec(shardSize: 25, batchSize: 10), dir.Path, data, new ShiftPerturberFactory(data.Classes), observer);

        Assert.Equal(1, observer.Started);
        Assert.Equal(12, observer.Batches);
        Assert.Equal([0, 1, 2, 3], observer.Shards.Order());
        Assert.Equal((4, 100L), (observer.Last!.ShardsDone, observer.Last.RowsDone));
    }

    [Fact]
    public void Runner_refuses_an_actor_system_without_the_device_dispatcher()
    {
        using var bare = Akka.Actor.ActorSystem.Create("bare");

        var error = Assert.Throws<ArgumentException>(() => new JobRunner(bare));

        Assert.Contains("has no stream-pipeline.device-dispatcher", error.Message);
    }

    private sealed class CallbackObserver(Action? onShard = null) : BuildObserver
    {
        public int Started;
        public int Batches;
        public readonly System.Collections.Concurrent.ConcurrentBag<int> Shards = [];
        public BuildProgress? Last;

        public override void OnStarted(BuildProgress progress) => Interlocked.Increment(ref Started);

        public override void OnBatchPerturbed(BuildProgress progress) => Interlocked.Increment(ref Batches);

        public override void OnShardCommitted(CommittedShard shard, BuildProgress progress)
        {
            Shards.Add(shard.Id);
            Last = progress;
            onShard?.Invoke();
        }
    }
}
