using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Streams.TestKit;
using StreamPipeline.Data;
using StreamPipeline.Pipeline.Streaming;
using StreamPipeline.Pipeline.Tests.TestData;
using Xunit.Abstractions;

namespace StreamPipeline.Pipeline.Tests.Streaming;

public class ShardAssemblerTests(ITestOutputHelper output) : PipelineTestKit(output)
{
    private static RelabeledBatch Batch(BatchPlan plan) => new(plan, Enumerable.Range(0, plan.Count)
        .Select(i => new ConstructedRow(plan.Start + i, 1, 0, null, new[] { 0f }, true, 0f)).ToArray());

    private (TestPublisher.Probe<RelabeledBatch> Up, TestSubscriber.Probe<ShardRows> Down) Materialize() =>
        this.SourceProbe<RelabeledBatch>()
            .Via(ShardAssembler.Flow())
            .ToMaterialized(this.SinkProbe<ShardRows>(), Keep.Both)
            .Run(Sys.Materializer());

    [Fact]
    public void Assembler_emits_a_shard_when_its_last_batch_arrives()
    {
        var shards = ShardPlanner.Plan(25, 10);
        var (up, down) = Materialize();
        down.Request(10);

        foreach (var plan in ShardPlanner.Batches(shards[0], 4))
        {
            if (plan.IsLastInShard)
                break;
            up.SendNext(Batch(plan));
        }
        down.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        up.SendNext(Batch(ShardPlanner.Batches(shards[0], 4).Last()));
        var first = down.ExpectNext();
        foreach (var plan in shards.Skip(1).SelectMany(s => ShardPlanner.Batches(s, 4)))
            up.SendNext(Batch(plan));
        var second = down.ExpectNext();
        var third = down.ExpectNext();
        up.SendComplete();
        down.ExpectComplete();

        Assert.Equal([shards[0], shards[1], shards[2]], new[] { first.Shard, second.Shard, third.Shard });
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), first.Rows.Select(r => r.Index));
        Assert.Equal(Enumerable.Range(20, 5).Select(i => (long)i), third.Rows.Select(r => r.Index));
    }

    [Fact]
    public void Assembler_emits_each_shard_when_complete_whatever_order_its_batches_arrive_in()
    {
        var shard0 = ShardPlanner.Batches(new ShardPlan(0, 0, 12), 4).ToArray();
        var shard1 = ShardPlanner.Batches(new ShardPlan(1, 12, 8), 4).ToArray();
        var (up, down) = Materialize();
        down.Request(10);

        // A slow batch (shard 0's first) holds back only its own shard.
        foreach (var plan in new[] { shard0[2], shard1[1], shard0[1], shard1[0] })
            up.SendNext(Batch(plan));
        var firstOut = down.ExpectNext();
        up.SendNext(Batch(shard0[0]));
        var secondOut = down.ExpectNext();
        up.SendComplete();
        down.ExpectComplete();

        Assert.Equal((1, 0), (firstOut.Shard.Id, secondOut.Shard.Id));
        Assert.Equal(Enumerable.Range(12, 8).Select(i => (long)i), firstOut.Rows.Select(r => r.Index));
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (long)i), secondOut.Rows.Select(r => r.Index));
    }

    [Fact]
    public void Assembler_fails_the_stream_when_the_batches_end_with_a_shard_incomplete()
    {
        var batches = ShardPlanner.Batches(new ShardPlan(0, 0, 12), 4).ToArray();
        var (up, down) = Materialize();
        down.Request(10);

        up.SendNext(Batch(batches[0]));
        up.SendNext(Batch(batches[2]));
        up.SendComplete();

        Assert.Contains("shard 0 [0, 12) with 8 of 12 rows", down.ExpectError().Message);
    }

    [Fact]
    public void Assembler_fails_the_stream_on_a_batch_that_arrives_twice()
    {
        var batches = ShardPlanner.Batches(new ShardPlan(0, 0, 8), 4).ToArray();
        var (up, down) = Materialize();
        down.Request(10);

        up.SendNext(Batch(batches[0]));
        up.SendNext(Batch(batches[0]));

        Assert.Contains("arrived twice", down.ExpectError().Message);
    }
}
