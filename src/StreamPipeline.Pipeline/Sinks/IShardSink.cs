using StreamPipeline.Data;

namespace StreamPipeline.Pipeline.Sinks;

/// <summary>
/// The file format of a job's shards: writes one shard's rows as the bytes of one file. Where the bytes go —
/// committed into a job's data/ (<see cref="ShardSinks.CommitAsync"/>) or held in memory for a cluster worker's upload
/// (<see cref="ShardSinks.EncodeAsync"/>) — is not the format's business, so both are the same bytes by construction.
/// </summary>
public interface IShardSink
{
    /// <summary>The extension of the shard files written (<c>part-NNNNN.EXT</c>): with the shard plan, the names the job owns in data/.</summary>
    string FileExtension { get; }

    /// <summary>Writes <paramref name="rows"/> (the whole shard, in order) to <paramref name="output"/> (writable, seekable; left open).</summary>
    Task WriteAsync(Stream output, IReadOnlyList<ConstructedRow> rows, CancellationToken ct);
}
