using StreamPipeline.Data;
using StreamPipeline.Data.Parquet;

namespace StreamPipeline.Pipeline.Sinks;

/// <summary>Shards as Parquet files (schema v2, one row group) with the job's metadata.</summary>
public sealed class ParquetShardSink(ConstructedDatasetMetadata metadata) : IShardSink
{
    public const string Extension = "parquet";

    public string FileExtension => Extension;

    public Task WriteAsync(Stream output, IReadOnlyList<ConstructedRow> rows, CancellationToken ct) =>
        ParquetShardWriter.WriteAsync(output, rows, metadata, ct);
}
