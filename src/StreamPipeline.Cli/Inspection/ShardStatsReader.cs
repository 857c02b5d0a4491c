using Parquet;
using Parquet.Schema;
using StreamPipeline.Data;
using StreamPipeline.Data.Parquet;

namespace StreamPipeline.Cli.Inspection;

/// <summary>
/// Reads only the small columns of a constructed-dataset shard (labels, attack success, distance) and its metadata:
/// statistics need neither the pixels nor the PNG bytes, which are nearly all of a file.
/// </summary>
internal static class ShardStatsReader
{
    /// <summary>The statistics columns of one shard file, with its footer metadata.</summary>
    internal sealed record Columns(ConstructedDatasetMetadata Metadata, int[] Label, int[] SourceLabel, bool[] AttackSuccess, float[] Distance)
    {
        public int Rows => Label.Length;
    }

    /// <exception cref="DataFormatException">The file is missing, corrupt, or lacks a column of schema v1.</exception>
    internal static async Task<Columns> ReadAsync(string path, CancellationToken ct)
    {
        try
        {
            await using var reader = await ParquetReader.CreateAsync(path, null, ct).ConfigureAwait(false);
            var metadata = ConstructedDatasetMetadata.Parse(reader.CustomMetadata ?? new Dictionary<string, string>(), path);
            var fields = reader.Schema.GetDataFields().ToDictionary(f => f.Path.ToString(), StringComparer.Ordinal);
            var label = Field(fields, ConstructedDatasetSchema.Label, path);
            var sourceLabel = Field(fields, ConstructedDatasetSchema.SourceLabel, path);
            var success = Field(fields, ConstructedDatasetSchema.AttackSuccess, path);
            var distance = Field(fields, ConstructedDatasetSchema.Distance, path);

            var total = reader.Metadata?.NumRows ?? 0;
            if (total > Array.MaxLength)
                throw new DataFormatException($"{path}: {total} rows are too many for one shard");
            var n = (int)total;
            var columns = new Columns(metadata, new int[n], new int[n], new bool[n], new float[n]);
            var offset = 0;
            for (var g = 0; g < reader.RowGroupCount; g++)
            {
                var group = reader.OpenRowGroupReader(g);
                var rows = checked((int)group.RowCount);
                if (offset + rows > n)
                    throw new DataFormatException($"{path}: row groups hold more rows than the footer's {n}");
                await ReadDenseAsync(group, label, columns.Label.AsMemory(offset, rows), path, ct).ConfigureAwait(false);
                await ReadDenseAsync(group, sourceLabel, columns.SourceLabel.AsMemory(offset, rows), path, ct).ConfigureAwait(false);
                await ReadDenseAsync(group, success, columns.AttackSuccess.AsMemory(offset, rows), path, ct).ConfigureAwait(false);
                await ReadDenseAsync(group, distance, columns.Distance.AsMemory(offset, rows), path, ct).ConfigureAwait(false);
                offset += rows;
            }
            if (offset != n)
                throw new DataFormatException($"{path}: row groups hold {offset} rows, the footer says {n}");
            return columns;
        }
        catch (Exception e) when (e is not (DataFormatException or OperationCanceledException))
        {
            throw new DataFormatException($"{path}: cannot read as a constructed-dataset Parquet file: {e.Message}", e);
        }
    }

    private static DataField Field(Dictionary<string, DataField> fields, DataField expected, string path)
    {
        var key = expected.Path.ToString();
        if (!fields.TryGetValue(key, out var actual))
            throw new DataFormatException($"{path}: column '{key}' is missing (not a constructed-dataset file?)");
        if (actual.ClrType != expected.ClrType || actual.MaxRepetitionLevel != 0)
            throw new DataFormatException($"{path}: column '{key}' has type {actual.ClrType.Name}, expected {expected.ClrType.Name}");
        return actual;
    }

    /// <summary>Reads a column that must hold no nulls, whether or not the file declares it optional (other writers may).</summary>
    private static async Task ReadDenseAsync<T>(ParquetRowGroupReader group, DataField field, Memory<T> values, string path, CancellationToken ct)
        where T : struct
    {
        if (field.MaxDefinitionLevel == 0)
        {
            await group.ReadRawAsync(field, values, null, null, ct).ConfigureAwait(false);
            return;
        }
        var levels = new int[values.Length];
        await group.ReadRawAsync(field, values, levels, null, ct).ConfigureAwait(false);
        if (Array.Exists(levels, d => d != field.MaxDefinitionLevel))
            throw new DataFormatException($"{path}: column '{field.Path}' has null values");
    }
}
