
namespace StreamPipeline.Pipeline.Tests.Planning;

public class ShardPlannerTests
{
    public static IEnumerable<object[]> Sizes()
    {
        var random = new Random(1234);
        for (var i = 0; i < 300; i++)
            yield return [(long)random.Next(0, 5000), random.Next(1, 700)];
        yield return [0L, 1];
        yield return [1L, 1];
        yield return [1L, 1024];
        yield return [1024L, 1024];
        yield return [1025L, 1024];
        yield return [60_000L, 1024];
    }

    [Fact]
    public void Planner_cuts_every_range_into_contiguous_shards_that_cover_it_exactly()
    {
        foreach (var size in Sizes())
        {
            var (total, shardSize) = ((long)size[0], (int)size[1]);
            var shards = ShardPlanner.Plan(total, shardSize);

            Assert.Equal((total + shardSize - 1) / shardSize, shards.Count);
            long next = 0;
            for (var i = 0; i < shards.Count; i++)
            {
                Assert.Equal(i, shards[i].Id);
                Assert.Equal(next, shards[i].Start);
                Assert.InRange(shards[i].Count, 1, shardSize);
                if (i < shards.Count - 1)
                    Assert.Equal(shardSize, shards[i].Count);
                next = shards[i].End;
            }
            Assert.Equal(total, next);
        }
    }

    [Fact]
    public void Batches_cover_their_shard_exactly_and_only_the_last_is_short()
    {
        var random = new Random(99);
        for (var trial = 0; trial < 300; trial++)
        {
            var shard = new ShardPlan(random.Next(0, 100), random.Next(0, 100_000), random.Next(1, 2000));
            var batchSize = random.Next(1, 300);

            var batches = ShardPlanner.Batches(shard, batchSize).ToArray();

            Assert.Equal((shard.Count + batchSize - 1) / batchSize, batches.Length);
            Assert.Equal(shard.Start, batches[0].Start);
            Assert.Equal(shard.End, batches[^1].End);
            for (var i = 0; i < batches.Length; i++)
            {
                Assert.Equal((shard, i), (batches[i].Shard, batches[i].Index));
                Assert.Equal(i == batches.Length - 1, batches[i].IsLastInShard);
                if (i > 0)
                    Assert.Equal(batches[i - 1].End, batches[i].Start);
                if (i < batches.Length - 1)
                    Assert.Equal(batchSize, batches[i].Count);
            }
        }
    }

    [Fact]
    public void Shard_files_are_named_with_five_digit_ids()
    {
        Assert.Equal("part-00000.parquet", JobLayout.ShardFileName(0, "parquet"));
        Assert.Equal("part-00042.bin", JobLayout.ShardFileName(42, ".bin"));
        Assert.Equal("part-123456.parquet", JobLayout.ShardFileName(123456, "parquet"));
    }

    [Theory]
    [InlineData(10L, 0)]
    [InlineData(10L, -1)]
    [InlineData(-1L, 10)]
    public void Planner_refuses_impossible_sizes(long total, int shardSize)
    {
        Assert.Throws<ArgumentException>(() => ShardPlanner.Plan(total, shardSize));
    }
}
