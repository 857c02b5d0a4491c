using System.Security.Cryptography;
using StreamPipeline.Data;
using StreamPipeline.Data.Files;

namespace StreamPipeline.Pipeline.Sinks;

/// <summary>Where an <see cref="IShardSink"/>'s bytes go: committed into a job's data/, or encoded in memory.</summary>
public static class ShardSinks
{
    /// <summary>
    /// Writes the shard into <paramref name="dataDir"/> atomically (<see cref="AtomicFile"/>: temporary file, fsync,
    /// rename). On failure or cancellation no file of this shard is left under its final name and the temporary file is removed.
    /// </summary>
    public static async Task<CommittedShard> CommitAsync(this IShardSink sink, ShardPlan shard, IReadOnlyList<ConstructedRow> rows, string dataDir, CancellationToken ct)
    {
        var name = JobLayout.ShardFileName(shard.Id, sink.FileExtension);
        var (sha256, bytes) = await AtomicFile.WriteAsync(Path.Combine(dataDir, name), (stream, token) => sink.WriteAsync(stream, rows, token), ct).ConfigureAwait(false);
        return new CommittedShard(shard.Id, name, rows.Count, sha256, bytes);
    }

    /// <summary>The shard's file in memory, with its SHA-256: the bytes <see cref="CommitAsync"/> would commit, no disk touched.</summary>
    public static async Task<EncodedShard> EncodeAsync(this IShardSink sink, ShardPlan shard, IReadOnlyList<ConstructedRow> rows, CancellationToken ct)
    {
        using var memory = new MemoryStream();
        await sink.WriteAsync(memory, rows, ct).ConfigureAwait(false);
        var bytes = memory.ToArray();
        return new EncodedShard(shard.Id, JobLayout.ShardFileName(shard.Id, sink.FileExtension), rows.Count, Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes);
    }
}
