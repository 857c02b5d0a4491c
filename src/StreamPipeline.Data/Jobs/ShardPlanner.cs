namespace StreamPipeline.Data.Jobs;

/// <summary>Cuts [0, N) into fixed contiguous shards and shards into batches.</summary>
public static class ShardPlanner
{
    /// <summary>Shards of <paramref name="shardSize"/> examples covering [0, total) exactly; the last may be short.</summary>
    public static IReadOnlyList<ShardPlan> Plan(long total, int shardSize)
    {
        if (total < 0)
            throw new ArgumentException($"cannot plan {total} examples: the count must not be negative");
        if (shardSize < 1)
            throw new ArgumentException($"shard size {shardSize} must be positive");
        var count = (total + shardSize - 1) / shardSize;
        if (count > int.MaxValue)
            throw new ArgumentException($"{total} examples in shards of {shardSize} make {count} shards; use a larger shard size");
        var shards = new ShardPlan[count];
        for (var id = 0; id < count; id++)
        {
            var start = (long)id * shardSize;
            shards[id] = new ShardPlan(id, start, (int)Math.Min(shardSize, total - start));
        }
        return shards;
    }

    /// <summary>The batches of one shard, in order; the last may be short.</summary>
    public static IEnumerable<BatchPlan> Batches(ShardPlan shard, int batchSize)
    {
        if (batchSize < 1)
            throw new ArgumentException($"batch size {batchSize} must be positive");
        var index = 0;
        for (var start = shard.Start; start < shard.End; start += batchSize)
            yield return new BatchPlan(shard, index++, start, (int)Math.Min(batchSize, shard.End - start));
    }
}
