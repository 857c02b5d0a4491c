namespace StreamPipeline.Data.Jobs;

/// <summary>A device batch: the range [Start, Start+Count) inside one shard; batches never straddle shards.</summary>
public sealed record BatchPlan(ShardPlan Shard, int Index, long Start, int Count)
{
    public long End => Start + Count;

    /// <summary>The shard is complete once this batch is through.</summary>
    public bool IsLastInShard => End == Shard.End;

    public override string ToString() => $"batch [{Start}, {End}) of shard {Shard.Id}";
}
