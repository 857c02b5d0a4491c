using System.Text.Json.Serialization;
using StreamPipeline.Pipeline.Planning;
using StreamPipeline.Pipeline.Sinks;

namespace StreamPipeline.Pipeline.Jobs;

/// <summary>One shard in the manifest: its range, and for a done shard its file, row count, size and checksum.</summary>
public sealed record ShardEntry(int Id, long Start, int Count, ShardStatus Status, long Rows, string? File, string? Sha256, long Bytes)
{
    [JsonIgnore]
    public bool IsDone => Status == ShardStatus.Done;

    [JsonIgnore]
    public ShardPlan Plan => new(Id, Start, Count);

    public static ShardEntry PendingFor(ShardPlan shard) => new(shard.Id, shard.Start, shard.Count, ShardStatus.Pending, 0, null, null, 0);

    public ShardEntry AsPending() => PendingFor(Plan);

    public ShardEntry AsDone(CommittedShard committed) =>
        this with { Status = ShardStatus.Done, Rows = committed.Rows, File = committed.File, Sha256 = committed.Sha256, Bytes = committed.Bytes };
}
