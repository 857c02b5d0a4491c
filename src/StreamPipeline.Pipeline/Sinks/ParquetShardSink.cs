using StreamPipeline.Data;
using StreamPipeline.Data.Parquet;

namespace StreamPipeline.Pipeline.Sinks;

/// <summary>Commits each shard as one Parquet file (temp file, fsync, rename), with the job's metadata.</summary>
public sealed class ParquetShardSink(ConstructedDatasetMetadata metadata) : IShardSink
{
    public const string Extension = "parquet";

    public string FileExtension => Extension;

    public async Task<CommittedShard> CommitAsync(ShardPlan shard, IReadOnlyList<ConstructedRow> rows, string dataDir, CancellationToken ct)
    {
        var path = Path.Combine(dataDir, JobLayout.ShardFileName(shard.Id, Extension));
        var file = await ParquetShardWriter.WriteAtomicAsync(path, rows, metadata, ct).ConfigureAwait(false);
        return new CommittedShard(shard.Id, Path.GetFileName(file.Path), file.Rows, file.Sha256, file.Bytes);
    }
}
