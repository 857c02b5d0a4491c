using StreamPipeline.Data;

namespace StreamPipeline.Pipeline.Sinks;

/// <summary>Writes one shard's rows as one file, atomically: a temporary file, fsync, then rename into place.</summary>
public interface IShardSink
{
    /// <summary>The extension of the shard files written (<c>part-NNNNN.EXT</c>): with the shard plan, the names the job owns in data/.</summary>
    string FileExtension { get; }

    /// <summary>
    /// Writes <paramref name="rows"/> (the whole shard, in order) into <paramref name="dataDir"/>. On failure or
    /// cancellation no file of this shard is left behind under its final name and the temporary file is removed.
    /// </summary>
    Task<CommittedShard> CommitAsync(ShardPlan shard, IReadOnlyList<ConstructedRow> rows, string dataDir, CancellationToken ct);
}
