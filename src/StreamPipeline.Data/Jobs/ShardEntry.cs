using System.Text.Json.Serialization;

namespace StreamPipeline.Data.Jobs;

/// <summary>
/// One shard in the manifest: its range, and for a done shard its file, row count, size and checksum, and where and
/// when it was built (<see cref="Node"/>: the host:port of a cluster worker or "local"; <see cref="Seconds"/>: from the
/// first batch handed out to the commit).
/// </summary>
public sealed record ShardEntry(int Id, long Start, int Count, ShardStatus Status, long Rows, string? File, string? Sha256, long Bytes)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Node { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTime? CommittedUtc { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Seconds { get; init; }

    [JsonIgnore]
    public bool IsDone => Status == ShardStatus.Done;

    [JsonIgnore]
    public ShardPlan Plan => new(Id, Start, Count);

    public static ShardEntry PendingFor(ShardPlan shard) => new(shard.Id, shard.Start, shard.Count, ShardStatus.Pending, 0, null, null, 0);

    public ShardEntry AsPending() => PendingFor(Plan);

    public ShardEntry AsDone(CommittedShard committed, string? node = null, double? seconds = null, DateTime? committedUtc = null) =>
        this with
        {
            Status = ShardStatus.Done, Rows = committed.Rows, File = committed.File, Sha256 = committed.Sha256, Bytes = committed.Bytes,
            Node = node, Seconds = seconds, CommittedUtc = committedUtc,
        };

    /// <summary>The same commit (file, rows, checksum, size), whatever the provenance says.</summary>
    public bool SameCommitAs(ShardEntry other) =>
        Id == other.Id && Status == other.Status && Rows == other.Rows && File == other.File
        && FileChecksumEquals(Sha256, other.Sha256) && Bytes == other.Bytes;

    private static bool FileChecksumEquals(string? a, string? b) =>
        a is null ? b is null : string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
