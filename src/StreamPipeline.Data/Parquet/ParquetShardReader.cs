using Parquet;

namespace StreamPipeline.Data.Parquet;

/// <summary>Reads a whole constructed-dataset file (schema v1 or v2) back: rows, PNG bytes, shape and metadata.</summary>
public static class ParquetShardReader
{
    /// <summary>Reads every row of the file.</summary>
    /// <exception cref="DataFormatException">The file is missing, corrupt, or not a constructed-dataset file of a version this build reads.</exception>
    public static async Task<ShardContents> ReadAsync(string path, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var c = await ShardFile.ReadAsync(path, all: true, ct).ConfigureAwait(false);
        var shape = c.Footer.Metadata.Shape;
        var rows = new ConstructedRow[c.Index.Length];
        for (int i = 0; i < rows.Length; i++)
        {
            rows[i] = new ConstructedRow(
                c.Index[i],
                c.Label[i],
                c.SourceLabel![i],
                c.StartIndex![i],
                c.Pixels.AsMemory(i * shape.Size, shape.Size),
                c.AttackSuccess![i],
                c.Distance![i]);
        }
        return new ShardContents(rows, c.Png!, shape, c.Footer.KeyValues);
    }

    /// <summary>Reads only labels, source labels, attack success and distance, plus the metadata; a bad file is a <see cref="DataFormatException"/>.</summary>
    public static Task<ShardLabels> ReadLabelsAsync(string path, CancellationToken ct = default) => ShardFile.ReadLabelsAsync(path, ct);

    /// <summary>The row count and the metadata from the file's footer, without reading any column.</summary>
    /// <exception cref="DataFormatException">The file is missing, corrupt, or not a constructed-dataset file of a version this build reads.</exception>
    public static async Task<ShardFooter> ReadFooterAsync(string path, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var footer = await ShardFile.ReadFooterAsync(path, ct).ConfigureAwait(false);
        return new ShardFooter(footer.Rows, footer.Metadata);
    }

    /// <summary>The row count from the file's footer, without reading any column.</summary>
    /// <exception cref="DataFormatException">The file is missing, corrupt, or not a constructed-dataset file of a version this build reads.</exception>
    public static async Task<long> CountRowsAsync(string path, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return (await ShardFile.ReadFooterAsync(path, ct).ConfigureAwait(false)).Rows;
    }

    /// <summary>The file's physical schema, as written in its footer, for comparison with data-schemas/constructed-dataset-v2.schema.json (v1.schema.json for a v1 file).</summary>
    /// <exception cref="DataFormatException">The file is missing or not a Parquet file.</exception>
    public static async Task<IReadOnlyList<ParquetColumnDescription>> DescribeSchemaAsync(string path, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            await using var reader = await ParquetReader.CreateAsync(path, null, ct).ConfigureAwait(false);
            return ConstructedDatasetSchema.Describe(reader.Metadata!.Schema);
        }
        catch (Exception e) when (e is not (DataFormatException or OperationCanceledException))
        {
            throw new DataFormatException($"{path}: cannot read the Parquet schema: {e.Message}", e);
        }
    }
}
