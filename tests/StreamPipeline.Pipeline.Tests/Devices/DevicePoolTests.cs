using Akka.Actor;
using StreamPipeline.Data;
using StreamPipeline.Pipeline.Devices;
using StreamPipeline.Pipeline.Specs;
using StreamPipeline.Pipeline.Telemetry;
using StreamPipeline.Pipeline.Tests.TestData;
using Xunit.Abstractions;

namespace StreamPipeline.Pipeline.Tests.Devices;

public class DevicePoolTests(ITestOutputHelper output) : PipelineTestKit(output)
{
    private static readonly InMemoryDataset Data = new(400, new ImageShape(1, 3, 3));
    private static readonly ShardPlan Shard = new(0, 0, 400);
    private readonly PipelineMetrics _metrics = new();

    private IActorRef Pool(IPerturberFactory factory, string[] devices, FaultInjection? faults = null, int maxRetries = 3, TimeSpan? batchTimeout = null) =>
        Sys.ActorOf(DevicePool.Props(
            new DevicePoolSettings(devices, maxRetries, faults ?? FaultInjection.None, TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(80),
                batchTimeout ?? TimeSpan.FromMinutes(5)),
            factory, _metrics, CancellationToken.None));

    private static PerturbBatch Batch(long start, int count) =>
        new(new BatchPlan(Shard, (int)(start / 10), start, count), new PerturbRequest(Data.ReadRange(start, count)));

    /// <summary>The pool's answer: a BatchPerturbed, or the failure it replied with.</summary>
    private static async Task<(BatchPerturbed? Reply, Exception? Error)> Ask(IActorRef pool, PerturbBatch batch)
    {
        try
        {
            var reply = await pool.Ask<object>(batch, TimeSpan.FromSeconds(15));
            return reply is Status.Failure failure ? (null, failure.Cause) : ((BatchPerturbed)reply, null);
        }
        catch (Exception e) when (e is not AskTimeoutException)
        {
            return (null, e);
        }
    }

    private static async Task<BatchPerturbed[]> AskAll(IActorRef pool, IEnumerable<PerturbBatch> batches)
    {
        var replies = await Task.WhenAll(batches.Select(b => Ask(pool, b)));
        Assert.All(replies, r => Assert.Null(r.Error));
        return replies.Select(r => r.Reply!).ToArray();
    }

    private static void AssertPerturbed(PerturbBatch batch, BatchPerturbed reply)
    {
        var expected = ShiftPerturber.Apply(batch.Request, Data.Classes);
        Assert.Equal(batch.Plan, reply.Plan);
        Assert.Equal(expected.Indices, reply.Result.Indices);
        Assert.Equal(expected.Pixels, reply.Result.Pixels);
        Assert.Equal(expected.Targets, reply.Result.Targets);
    }

    [Fact]
    public async Task Two_workers_on_the_same_device_both_receive_batches()
    {
        // Work waits until both workers have started, so a slow start on a loaded machine
        // cannot leave one worker all twelve batches.
        ShiftPerturberFactory? started = null;
        var factory = started = new ShiftPerturberFactory(Data.Classes)
        {
            Delay = TimeSpan.FromMilliseconds(20),
            OnPerturb = (_, _) => SpinWait.SpinUntil(() => started!.Created.Count == 2, TimeSpan.FromSeconds(10)),
        };
        var pool = Pool(factory, ["cpu", "cpu"]);
        var batches = Enumerable.Range(0, 12).Select(i => Batch(i * 10, 10)).ToArray();

        var replies = await AskAll(pool, batches);

        for (var i = 0; i < batches.Length; i++)
            AssertPerturbed(batches[i], replies[i]);
        var perturbers = factory.Calls.Select(c => c.Perturber).Distinct().ToArray();
        Assert.Equal(2, perturbers.Length);
        Assert.All(perturbers, p => Assert.InRange(factory.Calls.Count(c => c.Perturber == p), 2, 10));
    }

    [Fact]
    public async Task Each_perturber_is_created_used_and_disposed_on_its_own_dedicated_thread()
    {
        var factory = new ShiftPerturberFactory(Data.Classes) { Delay = TimeSpan.FromMilliseconds(5) };
        var pool = Pool(factory, ["cpu", "cpu"]);

        await AskAll(pool, Enumerable.Range(0, 10).Select(i => Batch(i * 10, 10)));
        await pool.GracefulStop(TimeSpan.FromSeconds(10));

        var created = factory.Created.ToArray();
        Assert.Equal(2, created.Length);
        Assert.NotEqual(created[0].CreatedOnThread, created[1].CreatedOnThread);
        Assert.All(factory.Calls, c => Assert.Equal(created.Single(p => p.Id == c.Perturber).CreatedOnThread, c.Thread));
        Assert.All(factory.Calls, c => Assert.False(c.PoolThread, "device work ran on a thread-pool thread"));
        Assert.Equal((0, 0), (factory.Live, factory.DisposedOnWrongThread));
    }

    [Fact]
    public async Task Batches_of_an_always_failing_device_are_retried_on_the_other_device()
    {
        // The healthy worker holds its first batch until a retry has happened, so the failing
        // worker is sure to be handed work: without the hold, the healthy worker can finish all
        // ten batches before the other has started (seen once in CI).
        var factory = new ShiftPerturberFactory(Data.Classes)
        {
            OnPerturb = (_, _) => SpinWait.SpinUntil(() => _metrics.Snapshot().Retries > 0, TimeSpan.FromSeconds(10)),
        };
        var pool = Pool(factory, ["cpu", "cuda:7"], new FaultInjection(0, 0, [1]));
        var batches = Enumerable.Range(0, 10).Select(i => Batch(i * 10, 10)).ToArray();

        var replies = await AskAll(pool, batches);

        for (var i = 0; i < batches.Length; i++)
            AssertPerturbed(batches[i], replies[i]);
        var devices = factory.Calls.Select(c => factory.Created.Single(p => p.Id == c.Perturber).Device).Distinct();
        Assert.Equal(["cpu"], devices);
        Assert.True(_metrics.Snapshot().Retries > 0);
    }

    [Fact]
    public async Task A_worker_that_hangs_past_the_batch_timeout_is_abandoned_and_its_batch_retried()
    {
        using var hang = new ManualResetEventSlim();
        var attempts = 0;
        var factory = new ShiftPerturberFactory(Data.Classes)
        {
            // The first attempt hangs (as a wedged device would); later attempts work.
            OnPerturb = (_, _) =>
            {
                if (Interlocked.Increment(ref attempts) == 1)
                    hang.Wait(TimeSpan.FromSeconds(20));
            },
        };
        var pool = Pool(factory, ["cpu", "cpu"], batchTimeout: TimeSpan.FromMilliseconds(300));
        var batch = Batch(0, 10);

        var (reply, error) = await Ask(pool, batch);
        hang.Set();

        Assert.Null(error);
        AssertPerturbed(batch, reply!);
        Assert.Equal(1, _metrics.Snapshot().Retries);
        Assert.True(factory.Calls.Select(c => c.Perturber).Distinct().Count() >= 2, "the retry should run on another worker");
    }

    [Fact]
    public async Task Host_memory_running_out_is_retried_not_split()
    {
        var thrown = 0;
        var factory = new ShiftPerturberFactory(Data.Classes)
        {
            OnPerturb = (_, _) =>
            {
                if (Interlocked.Increment(ref thrown) == 1)
                    throw new OutOfMemoryException("host out of memory");
            },
        };
        var pool = Pool(factory, ["cpu"]);
        var batch = Batch(0, 10);

        var (reply, error) = await Ask(pool, batch);

        Assert.Null(error);
        AssertPerturbed(batch, reply!);
        Assert.Equal((0L, 1L), (_metrics.Snapshot().Splits, _metrics.Snapshot().Retries));
        Assert.All(factory.Calls, c => Assert.Equal(10, c.Count));
    }

    [Fact]
    public async Task Failed_worker_is_restarted_with_a_fresh_perturber_and_the_old_one_disposed()
    {
        var factory = new ShiftPerturberFactory(Data.Classes);
        var pool = Pool(factory, ["cpu"], new FaultInjection(2, 0, []));
        var batches = Enumerable.Range(0, 6).Select(i => Batch(i * 10, 10)).ToArray();

        var replies = await AskAll(pool, batches);

        for (var i = 0; i < batches.Length; i++)
            AssertPerturbed(batches[i], replies[i]);
        Assert.True(factory.Created.Count >= 3, $"{factory.Created.Count} perturbers created");
        AwaitAssert(() => Assert.Equal(1, factory.Live)); // stopped incarnations dispose their perturbers
        Assert.True(_metrics.Snapshot().Retries >= 2);
    }

    [Fact]
    public async Task Out_of_memory_batch_is_split_and_merged_back_in_order()
    {
        var factory = new ShiftPerturberFactory(Data.Classes);
        var pool = Pool(factory, ["cpu"], new FaultInjection(0, 3, []), maxRetries: 0);
        var batch = Batch(100, 10);

        var (reply, error) = await Ask(pool, batch);

        Assert.Null(error);
        AssertPerturbed(batch, reply!);
        Assert.All(factory.Calls, c => Assert.InRange(c.Count, 1, 3));
        Assert.Equal(10, factory.Calls.Sum(c => c.Count));
        Assert.True(_metrics.Snapshot().Splits >= 3);
    }

    [Fact]
    public async Task Batch_failing_every_attempt_fails_with_one_line_naming_it_and_the_last_error()
    {
        var factory = new ShiftPerturberFactory(Data.Classes) { PoisonIndex = 205 };
        var pool = Pool(factory, ["cpu", "cpu"], maxRetries: 2);

        var (_, error) = await Ask(pool, Batch(200, 10));
        var (healthy, healthyError) = await Ask(pool, Batch(210, 10));

        var failed = Assert.IsType<BatchFailedException>(error);
        Assert.Equal("batch [200, 210) of shard 0 failed 3 times; last error: InvalidOperationException: poisoned example 205", failed.Message);
        Assert.Null(healthyError);
        Assert.NotNull(healthy);
    }

    [Fact]
    public async Task Devices_that_cannot_start_fail_the_batches_instead_of_hanging()
    {
        var factory = new ShiftPerturberFactory(Data.Classes) { CreateError = new InvalidOperationException("no CUDA driver") };
        var pool = Pool(factory, ["cuda:0"], maxRetries: 1);

        var (_, error) = await Ask(pool, Batch(0, 10));
        var (_, later) = await Ask(pool, Batch(10, 10));

        Assert.Equal("no device worker could start: cuda:0 (#0): InvalidOperationException: no CUDA driver", Assert.IsType<DevicePoolException>(error).Message);
        Assert.IsType<DevicePoolException>(later);
    }
}
