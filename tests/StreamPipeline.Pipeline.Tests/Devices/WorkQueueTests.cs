using StreamPipeline.Data;
using StreamPipeline.Pipeline.Devices;
using StreamPipeline.Pipeline.Tests.TestData;

namespace StreamPipeline.Pipeline.Tests.Devices;

public class WorkQueueTests
{
    private static readonly InMemoryDataset Data = new(1000, new ImageShape(1, 2, 2));

    private static (BatchPlan Plan, PerturbRequest Request) Batch(long start, int count)
    {
        var shard = new ShardPlan(0, 0, 1000);
        return (new BatchPlan(shard, 0, start, count), new PerturbRequest(Data.ReadRange(start, count), Enumerable.Range(0, count).Select(i => 900L + i).ToArray()));
    }

    private static ConstructedBatch Run(WorkUnit unit) => ShiftPerturber.Apply(unit.Request, Data.Classes);

    [Fact]
    public void Out_of_memory_halves_merge_back_in_source_order_however_deep_the_splits()
    {
        var random = new Random(5);
        for (var trial = 0; trial < 50; trial++)
        {
            var queue = new WorkQueue(maxRetries: 0);
            var (plan, request) = Batch(random.Next(0, 500), random.Next(1, 40));
            queue.Enqueue(plan, request, "requester");
            WorkRoot? done = null;
            // Take pieces at random positions, fail large ones with out-of-memory, complete the rest in random order.
            var inFlight = new List<WorkUnit>();
            while (done is null)
            {
                while (queue.Take(0, [0]) is { } taken)
                    inFlight.Add(taken);
                var unit = inFlight[random.Next(inFlight.Count)];
                inFlight.Remove(unit);
                if (unit.Request.Source.Count > 3 && random.Next(2) == 0)
                    Assert.Equal(FailOutcome.Split, queue.Fail(unit, 0, "out of memory", outOfMemory: true));
                else
                    done = queue.Complete(unit, Run(unit));
            }

            Assert.Empty(inFlight);
            Assert.Equal(0, queue.Open);
            var expected = ShiftPerturber.Apply(request, Data.Classes);
            Assert.Equal(expected.Indices, done.Result!.Indices);
            Assert.Equal(expected.Pixels, done.Result.Pixels);
            Assert.Equal(expected.StartIndices, done.Result.StartIndices);
        }
    }

    [Fact]
    public void Retry_goes_first_to_a_slot_the_piece_has_not_failed_on()
    {
        var queue = new WorkQueue(maxRetries: 3);
        var (planA, requestA) = Batch(0, 4);
        var (planB, requestB) = Batch(4, 4);
        queue.Enqueue(planA, requestA, "a");
        queue.Enqueue(planB, requestB, "b");
        var a = queue.Take(1, [0, 1])!;

        Assert.Equal(FailOutcome.Retried, queue.Fail(a, 1, "boom", outOfMemory: false));

        Assert.Same(queue.Take(1, [0, 1])!.Root.Plan, planB); // slot 1 skips the piece it failed
        Assert.Same(a, queue.Take(0, [0, 1]));                // slot 0 gets the retry before anything newer
    }

    [Fact]
    public void Piece_that_failed_on_every_live_slot_may_run_on_any_of_them()
    {
        var queue = new WorkQueue(maxRetries: 3);
        var (plan, request) = Batch(0, 4);
        queue.Enqueue(plan, request, "a");
        var unit = queue.Take(0, [0])!;
        queue.Fail(unit, 0, "boom", outOfMemory: false);

        Assert.Same(unit, queue.Take(0, [0]));
    }

    [Fact]
    public void Piece_failing_more_than_max_retries_fails_its_batch_naming_it()
    {
        var queue = new WorkQueue(maxRetries: 2);
        var (plan, request) = Batch(100, 8);
        var top = queue.Enqueue(plan, request, "a");
        var outcomes = new List<FailOutcome>();
        for (var attempt = 0; attempt < 3; attempt++)
            outcomes.Add(queue.Fail(queue.Take(0, [0])!, 0, $"error {attempt}", outOfMemory: false));

        Assert.Equal([FailOutcome.Retried, FailOutcome.Retried, FailOutcome.Failed], outcomes);
        var error = Assert.IsType<BatchFailedException>(top.Root.Error);
        Assert.Equal("batch [100, 108) of shard 0 failed 3 times; last error: error 2", error.Message);
        Assert.Equal((0, 0), (queue.Queued, queue.Open));
    }

    [Fact]
    public void Failed_batch_reports_the_batch_the_piece_the_attempts_and_the_last_error()
    {
        var queue = new WorkQueue(maxRetries: 1);
        var (plan, request) = Batch(100, 8);
        var top = queue.Enqueue(plan, request, "a");
        queue.Fail(queue.Take(0, [0])!, 0, "oom", outOfMemory: true);
        var half = queue.Take(0, [0])!;
        queue.Fail(half, 0, "first", outOfMemory: false);
        queue.Fail(queue.Take(0, [0])!, 0, "InvalidOperationException: second", outOfMemory: false);

        var error = Assert.IsType<BatchFailedException>(top.Root.Error);
        Assert.Equal("batch [100, 108) of shard 0 (its part [100, 104) after out-of-memory splits) failed 2 times; last error: InvalidOperationException: second", error.Message);
        Assert.Equal(0, queue.Queued); // the other half is dropped with its failed batch, not run for nothing
    }

    [Fact]
    public void Single_example_out_of_memory_counts_as_a_failure()
    {
        var queue = new WorkQueue(maxRetries: 0);
        var (plan, request) = Batch(7, 1);
        queue.Enqueue(plan, request, "a");

        Assert.Equal(FailOutcome.Failed, queue.Fail(queue.Take(0, [0])!, 0, "out of memory", outOfMemory: true));
    }

    [Fact]
    public void Results_of_a_failed_batch_are_ignored()
    {
        var queue = new WorkQueue(maxRetries: 0);
        var (plan, request) = Batch(0, 4);
        queue.Enqueue(plan, request, "a");
        var unit = queue.Take(0, [0])!;
        queue.FailAll(_ => new OperationCanceledException());

        Assert.Null(queue.Complete(unit, Run(unit)));
        Assert.Equal(FailOutcome.Ignored, queue.Fail(unit, 0, "late", outOfMemory: false));
    }
}
