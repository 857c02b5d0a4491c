namespace StreamPipeline.Data.Jobs;

/// <summary>A shard: the contiguous source range [Start, Start+Count), the unit of work, commit and resume.</summary>
public sealed record ShardPlan(int Id, long Start, int Count)
{
    public long End => Start + Count;

    public override string ToString() => $"shard {Id} [{Start}, {End})";
}
