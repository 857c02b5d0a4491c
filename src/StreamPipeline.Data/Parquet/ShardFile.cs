using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Parquet;
using Parquet.Schema;

namespace StreamPipeline.Data.Parquet;

/// <summary>Reading side shared by <see cref="ParquetShardReader"/> and <see cref="ParquetImageDataset"/>: footer, schema checks, columns.</summary>
internal static class ShardFile
{
    /// <summary>What the footer says: row count, schema version and metadata, without reading any column.</summary>
    internal sealed record Footer(string Path, long Rows, int Version, ConstructedDatasetMetadata Metadata, IReadOnlyDictionary<string, string> KeyValues);

    /// <summary>Columns of a file; the optional ones are null when only the training columns were asked for.</summary>
    internal sealed record Columns(
        Footer Footer,
        long[] Index,
        int[] Label,
        float[] Pixels,
        int[]? SourceLabel = null,
        long?[]? StartIndex = null,
        bool[]? AttackSuccess = null,
        float[]? Distance = null,
        byte[][]? Png = null);

    internal static async Task<Footer> ReadFooterAsync(string path, CancellationToken ct)
    {
        return await Guard(path, async () =>
        {
            await using var reader = await ParquetReader.CreateAsync(path, null, ct).ConfigureAwait(false);
            return ReadFooter(reader, path);
        }).ConfigureAwait(false);
    }

    /// <summary>Reads only the small per-row columns (labels, attack success, distance): statistics need neither pixels nor PNGs.</summary>
    internal static async Task<ShardLabels> ReadLabelsAsync(string path, CancellationToken ct)
    {
        return await Guard(path, async () =>
        {
            await using var reader = await ParquetReader.CreateAsync(path, null, ct).ConfigureAwait(false);
            var footer = ReadFooter(reader, path);
            var fields = ResolveFields(reader.Schema, footer.Version, path);
            int n = checked((int)footer.Rows);
            var labels = new ShardLabels(footer.Metadata, new int[n], new int[n], new bool[n], new float[n]);
            int offset = 0;
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                var group = reader.OpenRowGroupReader(g);
                int rows = checked((int)group.RowCount);
                if (offset + rows > n)
                    throw new DataFormatException($"{path}: row groups hold more rows than the footer's {n}.");
                await ReadLabelsAsync(group, fields["label"], labels.Label.AsMemory(offset, rows), path, ct).ConfigureAwait(false);
                await ReadLabelsAsync(group, fields["source_label"], labels.SourceLabel.AsMemory(offset, rows), path, ct).ConfigureAwait(false);
                await ReadDenseAsync(group, fields["attack_success"], labels.AttackSuccess.AsMemory(offset, rows), path, ct).ConfigureAwait(false);
                await ReadDenseAsync(group, fields["distance"], labels.Distance.AsMemory(offset, rows), path, ct).ConfigureAwait(false);
                offset += rows;
            }
            if (offset != n)
                throw new DataFormatException($"{path}: row groups hold {offset} rows, the footer says {n}.");
            return labels;
        }).ConfigureAwait(false);
    }

    /// <summary>Reads index, label and pixels, and with <paramref name="all"/> every other column too.</summary>
    internal static async Task<Columns> ReadAsync(string path, bool all, CancellationToken ct)
    {
        return await Guard(path, async () =>
        {
            await using var reader = await ParquetReader.CreateAsync(path, null, ct).ConfigureAwait(false);
            return await ReadColumnsAsync(reader, path, all, ct).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    /// <summary>As <see cref="ReadAsync(string, bool, CancellationToken)"/>, from a file's bytes already in memory (and verified).</summary>
    internal static async Task<Columns> ReadAsync(byte[] file, string path, bool all, CancellationToken ct)
    {
        return await Guard(path, async () =>
        {
            await using var reader = await ParquetReader.CreateAsync(new MemoryStream(file, writable: false), null, false, ct).ConfigureAwait(false);
            return await ReadColumnsAsync(reader, path, all, ct).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    private static async Task<Columns> ReadColumnsAsync(ParquetReader reader, string path, bool all, CancellationToken ct)
    {
        var footer = ReadFooter(reader, path);
        var fields = ResolveFields(reader.Schema, footer.Version, path);
        var shape = footer.Metadata.Shape;
        if (footer.Rows * shape.Size > Array.MaxLength)
            throw new DataFormatException($"{path}: {footer.Rows} images of shape {shape} are too many for one read.");
        int n = checked((int)footer.Rows);

        var index = new long[n];
        var label = new int[n];
        var pixels = GC.AllocateUninitializedArray<float>(n * shape.Size); // every value is overwritten below
        int[]? sourceLabel = all ? new int[n] : null;
        long?[]? startIndex = all ? new long?[n] : null;
        bool[]? success = all ? new bool[n] : null;
        float[]? distance = all ? new float[n] : null;
        byte[][]? png = all ? new byte[n][] : null;

        int offset = 0;
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            var group = reader.OpenRowGroupReader(g);
            int rows = checked((int)group.RowCount);
            if (offset + rows > n)
                throw new DataFormatException($"{path}: row groups hold more rows than the footer's {n}.");

            await ReadDenseAsync(group, fields["index"], index.AsMemory(offset, rows), path, ct).ConfigureAwait(false);
            await ReadLabelsAsync(group, fields["label"], label.AsMemory(offset, rows), path, ct).ConfigureAwait(false);
            var blobs = new ReadOnlyMemory<byte>[rows];
            await ReadDenseAsync<ReadOnlyMemory<byte>>(group, fields["pixels"], blobs, path, ct).ConfigureAwait(false);
            // Copy at once: the values may point into the reader's pooled buffers.
            CopyPixels(blobs, pixels.AsSpan(offset * shape.Size, rows * shape.Size), shape, path);

            if (all)
            {
                await ReadLabelsAsync(group, fields["source_label"], sourceLabel!.AsMemory(offset, rows), path, ct).ConfigureAwait(false);
                await ReadNullableAsync(group, fields["start_index"], startIndex!.AsMemory(offset, rows), path, ct).ConfigureAwait(false);
                await ReadDenseAsync(group, fields["attack_success"], success!.AsMemory(offset, rows), path, ct).ConfigureAwait(false);
                await ReadDenseAsync(group, fields["distance"], distance!.AsMemory(offset, rows), path, ct).ConfigureAwait(false);
                Array.Clear(blobs);
                await ReadDenseAsync<ReadOnlyMemory<byte>>(group, fields["image/bytes"], blobs, path, ct).ConfigureAwait(false);
                for (int i = 0; i < rows; i++)
                    png![offset + i] = blobs[i].ToArray();
            }
            offset += rows;
        }
        if (offset != n)
            throw new DataFormatException($"{path}: row groups hold {offset} rows, the footer says {n}.");
        return new Columns(footer, index, label, pixels, sourceLabel, startIndex, success, distance, png);
    }

    private static Footer ReadFooter(ParquetReader reader, string path)
    {
        var kv = reader.CustomMetadata ?? new Dictionary<string, string>();
        var metadata = ConstructedDatasetMetadata.Parse(kv, path);
        return new Footer(path, reader.Metadata?.NumRows ?? 0, ConstructedDatasetMetadata.VersionOf(kv, path), metadata, kv);
    }

    /// <summary>Finds the columns of the file's schema version by path and checks their types.</summary>
    private static Dictionary<string, DataField> ResolveFields(ParquetSchema schema, int version, string path)
    {
        var byPath = schema.GetDataFields().ToDictionary(f => f.Path.ToString(), StringComparer.Ordinal);
        var result = new Dictionary<string, DataField>(StringComparer.Ordinal);
        foreach (var expected in ConstructedDatasetSchema.SchemaOf(version).GetDataFields())
        {
            string key = expected.Path.ToString();
            if (!byPath.TryGetValue(key, out var actual))
                throw new DataFormatException($"{path}: column '{key.Replace('/', '.')}' is missing (not a constructed-dataset file?).");
            if (actual.ClrType != expected.ClrType || actual.MaxRepetitionLevel != 0)
                throw new DataFormatException($"{path}: column '{key.Replace('/', '.')}' has type {actual.ClrType.Name}{(actual.IsArray ? "[]" : "")}, expected {expected.ClrType.Name}.");
            result[key] = actual;
        }
        return result;
    }

    /// <summary>Reads a column that must hold no nulls, whether or not the file declares it optional.</summary>
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
            throw new DataFormatException($"{path}: column '{field.Path.ToString().Replace('/', '.')}' has null values.");
    }

    /// <summary>Reads a label column: int32 in v1 files, int64 (as <c>datasets</c>' ClassLabel) in v2.</summary>
    private static async Task ReadLabelsAsync(ParquetRowGroupReader group, DataField field, Memory<int> values, string path, CancellationToken ct)
    {
        if (field.ClrType == typeof(int))
        {
            await ReadDenseAsync(group, field, values, path, ct).ConfigureAwait(false);
            return;
        }
        var wide = new long[values.Length];
        await ReadDenseAsync<long>(group, field, wide, path, ct).ConfigureAwait(false);
        var span = values.Span;
        for (int i = 0; i < wide.Length; i++)
        {
            if (wide[i] is < 0 or > int.MaxValue)
                throw new DataFormatException($"{path}: column '{field.Name}' holds {wide[i]}, not a class index.");
            span[i] = (int)wide[i];
        }
    }

    private static async Task ReadNullableAsync(ParquetRowGroupReader group, DataField field, Memory<long?> values, string path, CancellationToken ct)
    {
        if (field.MaxDefinitionLevel > 0)
        {
            await group.ReadAsync<long>(field, values, null, ct).ConfigureAwait(false);
            return;
        }
        var dense = new long[values.Length];
        await ReadDenseAsync<long>(group, field, dense, path, ct).ConfigureAwait(false);
        var span = values.Span;
        for (int i = 0; i < dense.Length; i++)
            span[i] = dense[i];
    }

    private static void CopyPixels(ReadOnlyMemory<byte>[] blobs, Span<float> destination, ImageShape shape, string path)
    {
        int imageBytes = shape.Size * sizeof(float);
        for (int i = 0; i < blobs.Length; i++)
        {
            var blob = blobs[i].Span;
            if (blob.Length != imageBytes)
                throw new DataFormatException($"{path}: row {i}: pixels hold {blob.Length} bytes, shape {shape} needs {imageBytes}.");
            var dst = destination.Slice(i * shape.Size, shape.Size);
            blob.CopyTo(MemoryMarshal.AsBytes(dst));
            if (!BitConverter.IsLittleEndian)
            {
                var words = MemoryMarshal.Cast<float, int>(dst);
                BinaryPrimitives.ReverseEndianness(words, words);
            }
        }
    }

    /// <summary>Turns any failure to read the file, other than cancellation, into one <see cref="DataFormatException"/> naming it.</summary>
    private static async Task<T> Guard<T>(string path, Func<Task<T>> read)
    {
        try
        {
            return await read().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not (DataFormatException or OperationCanceledException))
        {
            throw new DataFormatException($"{path}: cannot read as a constructed-dataset Parquet file: {e.Message}", e);
        }
    }
}
