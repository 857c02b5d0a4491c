using System.Runtime.ExceptionServices;
using Parquet;
using StreamPipeline.Data.Files;

namespace StreamPipeline.Data.Parquet;

/// <summary>Writes constructed rows as one schema-v2 Parquet file with a single row group; <see cref="WriteAtomicAsync(string, IReadOnlyList{ConstructedRow}, ConstructedDatasetMetadata, CancellationToken)"/> commits it by rename.</summary>
public static class ParquetShardWriter
{
    private static readonly ParquetOptions Options = new() { CompressionMethod = CompressionMethod.Snappy };

    /// <summary>Writes the rows to <paramref name="output"/> (writable, seekable; left open) as one file with one row group.</summary>
    /// <exception cref="ArgumentException">No rows, a row of the wrong size or with a label out of range.</exception>
    public static Task WriteAsync(Stream output, IReadOnlyList<ConstructedRow> rows, ConstructedDatasetMetadata metadata, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(metadata);
        Validate(rows, metadata.Shape, metadata.Classes);
        return WriteValidatedAsync(output, rows, metadata.Shape, new Dictionary<string, string>(metadata.ToDictionary()), ct);
    }

    /// <summary>
    /// As above with raw key-value metadata: it must hold every key of <see cref="ConstructedDatasetSchema.RequiredMetadataKeys"/>,
    /// the version this build writes and the image shape equal to <paramref name="shape"/>; other keys are kept.
    /// </summary>
    public static Task WriteAsync(Stream output, IReadOnlyList<ConstructedRow> rows, ImageShape shape, IReadOnlyDictionary<string, string> metadata, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        var kv = Validate(rows, shape, metadata);
        return WriteValidatedAsync(output, rows, shape, kv, ct);
    }

    /// <summary>
    /// Writes the file beside <paramref name="finalPath"/>, flushes it to disk and renames it into place (<see cref="AtomicFile"/>),
    /// and returns its row count and SHA-256. On any failure or cancellation the temporary file is deleted and nothing is renamed.
    /// </summary>
    public static async Task<ShardFileInfo> WriteAtomicAsync(string finalPath, IReadOnlyList<ConstructedRow> rows, ConstructedDatasetMetadata metadata, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(finalPath);
        ArgumentNullException.ThrowIfNull(metadata);
        Validate(rows, metadata.Shape, metadata.Classes);
        var kv = new Dictionary<string, string>(metadata.ToDictionary());
        var (sha256, bytes) = await AtomicFile.WriteAsync(finalPath, (stream, token) => WriteValidatedAsync(stream, rows, metadata.Shape, kv, token), ct).ConfigureAwait(false);
        return new ShardFileInfo(finalPath, rows.Count, sha256, bytes);
    }

    /// <summary>As above with raw key-value metadata (see <see cref="WriteAsync(Stream, IReadOnlyList{ConstructedRow}, ImageShape, IReadOnlyDictionary{string, string}, CancellationToken)"/>).</summary>
    public static async Task<ShardFileInfo> WriteAtomicAsync(string finalPath, IReadOnlyList<ConstructedRow> rows, ImageShape shape, IReadOnlyDictionary<string, string> metadata, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(finalPath);
        var kv = Validate(rows, shape, metadata);
        var (sha256, bytes) = await AtomicFile.WriteAsync(finalPath, (stream, token) => WriteValidatedAsync(stream, rows, shape, kv, token), ct).ConfigureAwait(false);
        return new ShardFileInfo(finalPath, rows.Count, sha256, bytes);
    }

    private static Dictionary<string, string> Validate(IReadOnlyList<ConstructedRow> rows, ImageShape shape, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(metadata);
        ConstructedDatasetMetadata parsed;
        try
        {
            parsed = ConstructedDatasetMetadata.Parse(metadata, "shard metadata");
        }
        catch (DataFormatException e)
        {
            throw new ArgumentException(e.Message, nameof(metadata), e);
        }
        if (parsed.Shape != shape)
            throw new ArgumentException($"Metadata image shape {parsed.Shape} differs from the rows' shape {shape}.", nameof(metadata));
        // The columns written are always the current version's: metadata claiming another would mislead every reader.
        if (ConstructedDatasetMetadata.VersionOf(metadata, "shard metadata") != ConstructedDatasetSchema.Version)
            throw new ArgumentException(
                $"Metadata declares schema version {metadata[ConstructedDatasetSchema.SchemaVersionKey]}; this build writes {ConstructedDatasetSchema.Version}.", nameof(metadata));
        Validate(rows, shape, parsed.Classes);
        return new Dictionary<string, string>(metadata);
    }

    private static void Validate(IReadOnlyList<ConstructedRow> rows, ImageShape shape, int classes)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Channels is not (1 or 3) || shape.Height <= 0 || shape.Width <= 0)
            throw new ArgumentException($"Shape {shape} is not storable: the PNG column needs 1 or 3 channels and a positive height and width.", nameof(shape));
        if (rows.Count == 0)
            throw new ArgumentException("A shard file needs at least one row.", nameof(rows));
        if ((long)rows.Count * shape.Size * sizeof(float) > Array.MaxLength)
            throw new ArgumentException($"{rows.Count} images of shape {shape} exceed one file's pixel buffer; use smaller shards.", nameof(rows));
        for (int i = 0; i < rows.Count; i++)
        {
            var row = rows[i] ?? throw new ArgumentException($"Row {i} is null.", nameof(rows));
            if (row.Pixels.Length != shape.Size)
                throw new ArgumentException($"Row {i} (index {row.Index}) has {row.Pixels.Length} pixel values, shape {shape} needs {shape.Size}.", nameof(rows));
            if ((uint)row.Label >= (uint)classes || (uint)row.SourceLabel >= (uint)classes)
                throw new ArgumentException($"Row {i} (index {row.Index}) has label {row.Label} / source label {row.SourceLabel} outside [0, {classes}).", nameof(rows));
        }
    }

    private static async Task WriteValidatedAsync(
        Stream output, IReadOnlyList<ConstructedRow> rows, ImageShape shape, Dictionary<string, string> metadata, CancellationToken ct)
    {
        int n = rows.Count;
        var index = new long[n];
        var label = new long[n];
        var sourceLabel = new long[n];
        var startIndex = new long?[n];
        var success = new bool[n];
        var distance = new float[n];
        var pixels = new ReadOnlyMemory<byte>[n];
        var png = new byte[n][];

        try
        {
            Parallel.For(0, n, new ParallelOptions { CancellationToken = ct }, i =>
            {
                var row = rows[i];
                index[i] = row.Index;
                label[i] = row.Label;
                sourceLabel[i] = row.SourceLabel;
                startIndex[i] = row.StartIndex;
                success[i] = row.AttackSuccess;
                distance[i] = row.Distance;
                // The row's float32 values as little-endian bytes, without a copy where the machine is little-endian.
                pixels[i] = LittleEndianBytes.Of(row.Pixels);
                png[i] = PngCodec.Encode(row.Pixels.Span, shape);
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }

        var imagePath = new string?[n]; // always null: the image is in the bytes field
        // Every v2 column is optional (see ConstructedDatasetSchema) but only start_index and image.path hold nulls:
        // the others are written dense, each value at the column's full definition level.
        var present = new int[n];
        await using var writer = await ParquetWriter.CreateAsync(ConstructedDatasetSchema.Schema, output, Options, false, ct).ConfigureAwait(false);
        writer.CustomMetadata = metadata;
        using (var group = writer.CreateRowGroup())
        {
            await WriteDenseAsync<long>(group, ConstructedDatasetSchema.Index, index, present, ct).ConfigureAwait(false);
            await WriteDenseAsync<long>(group, ConstructedDatasetSchema.Label, label, present, ct).ConfigureAwait(false);
            await WriteDenseAsync<long>(group, ConstructedDatasetSchema.SourceLabel, sourceLabel, present, ct).ConfigureAwait(false);
            await group.WriteAsync<long>(ConstructedDatasetSchema.StartIndex, startIndex, null, null, ct).ConfigureAwait(false);
            await WriteDenseAsync<ReadOnlyMemory<byte>>(group, ConstructedDatasetSchema.Pixels, pixels, present, ct).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            // The byte[]/string helpers derive the definition levels of fields nested in the optional struct
            // (bytes present: level 2; path null inside a present struct: level 1).
            await group.WriteAsync(ConstructedDatasetSchema.ImageBytes, png, null).ConfigureAwait(false);
            await group.WriteAsync(ConstructedDatasetSchema.ImagePath, imagePath!, null).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            await WriteDenseAsync<bool>(group, ConstructedDatasetSchema.AttackSuccess, success, present, ct).ConfigureAwait(false);
            await WriteDenseAsync<float>(group, ConstructedDatasetSchema.Distance, distance, present, ct).ConfigureAwait(false);
            group.CompleteValidate();
        }
    }

    /// <summary>Writes values without nulls to an optional column: every definition level is the column's maximum.</summary>
    private static Task WriteDenseAsync<T>(ParquetRowGroupWriter group, global::Parquet.Schema.DataField field, ReadOnlyMemory<T> values, int[] levels, CancellationToken ct)
        where T : struct
    {
        Array.Fill(levels, field.MaxDefinitionLevel);
        return group.WriteAllPartsAsync(field, values, levels, null, ct);
    }
}
