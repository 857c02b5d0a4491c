using StreamPipeline.Data;
using StreamPipeline.Data.Parquet;
using StreamPipeline.Pipeline.Planning;

namespace StreamPipeline.Pipeline.Sinks;

/// <summary>Commits each shard as one Parquet file of schema v1 (temp file, fsync, rename), with the job's metadata.</summary>
public sealed class ParquetShardSink(ImageShape shape, IReadOnlyDictionary<string, string> metadata) : IShardSink
{
    public const string Extension = ".parquet";

    public async Task<CommittedShard> CommitAsync(ShardPlan shard, IReadOnlyList<ConstructedRow> rows, string dataDir, CancellationToken ct)
    {
        var path = Path.Combine(dataDir, ShardPlanner.FileName(shard.Id, Extension));
        var file = await ParquetShardWriter.WriteAtomicAsync(path, rows, shape, metadata, ct).ConfigureAwait(false);
        return new CommittedShard(shard.Id, Path.GetFileName(file.Path), file.Rows, file.Sha256, file.Bytes);
    }
}
