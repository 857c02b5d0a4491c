using System.Buffers.Binary;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Parquet;

namespace StreamPipeline.Data.Parquet;

/// <summary>Writes constructed rows as one schema-v1 Parquet file with a single row group; <see cref="WriteAtomicAsync"/> commits it by rename.</summary>
public static class ParquetShardWriter
{
    /// <summary>Suffix of the temporary file that <see cref="WriteAtomicAsync"/> writes before renaming it into place.</summary>
    public const string TempSuffix = ".tmp";

    private static readonly ParquetOptions Options = new() { CompressionMethod = CompressionMethod.Snappy };

    /// <summary>Writes the rows to <paramref name="output"/> (writable, seekable; left open) as one file with one row group.</summary>
    /// <param name="metadata">The file's key-value metadata; must hold every key of <see cref="ConstructedDatasetSchema.RequiredMetadataKeys"/> (see <see cref="ConstructedDatasetMetadata.ToDictionary"/>), with the image shape equal to <paramref name="shape"/>; other keys are kept.</param>
    /// <exception cref="ArgumentException">No rows, a row of the wrong size or with a label out of range, or incomplete metadata.</exception>
    public static async Task WriteAsync(
        Stream output,
        IReadOnlyList<ConstructedRow> rows,
        ImageShape shape,
        IReadOnlyDictionary<string, string> metadata,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        var kv = Validate(rows, shape, metadata);
        await WriteValidatedAsync(output, rows, shape, kv, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes <c>finalPath + ".tmp"</c>, flushes it to disk, renames it to <paramref name="finalPath"/> (replacing a leftover) and
    /// returns its row count and SHA-256. On any failure or cancellation the temporary file is deleted and nothing is renamed.
    /// </summary>
    public static async Task<ShardFileInfo> WriteAtomicAsync(
        string finalPath,
        IReadOnlyList<ConstructedRow> rows,
        ImageShape shape,
        IReadOnlyDictionary<string, string> metadata,
        CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(finalPath);
        var kv = Validate(rows, shape, metadata);
        string tempPath = finalPath + TempSuffix;
        try
        {
            string sha256;
            long bytes;
            await using (var file = new FileStream(tempPath, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                await WriteValidatedAsync(file, rows, shape, kv, ct).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
                bytes = file.Length;
                // Hash what is on disk (it is still in the page cache): the checksum the manifest records is the file's.
                file.Position = 0;
                sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, ct).ConfigureAwait(false));
            }
            ct.ThrowIfCancellationRequested();
            File.Move(tempPath, finalPath, overwrite: true);
            return new ShardFileInfo(finalPath, rows.Count, sha256, bytes);
        }
        catch
        {
            TryDelete(tempPath);
            throw;
        }
    }

    private static Dictionary<string, string> Validate(IReadOnlyList<ConstructedRow> rows, ImageShape shape, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(metadata);
        if (shape.Channels is not (1 or 3) || shape.Height <= 0 || shape.Width <= 0)
            throw new ArgumentException($"Shape {shape} is not storable: the PNG column needs 1 or 3 channels and a positive height and width.", nameof(shape));
        if (rows.Count == 0)
            throw new ArgumentException("A shard file needs at least one row.", nameof(rows));
        if ((long)rows.Count * shape.Size * sizeof(float) > Array.MaxLength)
            throw new ArgumentException($"{rows.Count} images of shape {shape} exceed one file's pixel buffer; use smaller shards.", nameof(rows));

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

        int classes = parsed.Classes;
        for (int i = 0; i < rows.Count; i++)
        {
            var row = rows[i] ?? throw new ArgumentException($"Row {i} is null.", nameof(rows));
            if (row.Pixels is null || row.Pixels.Length != shape.Size)
                throw new ArgumentException($"Row {i} (index {row.Index}) has {row.Pixels?.Length ?? 0} pixel values, shape {shape} needs {shape.Size}.", nameof(rows));
            if ((uint)row.Label >= (uint)classes || (uint)row.SourceLabel >= (uint)classes)
                throw new ArgumentException($"Row {i} (index {row.Index}) has label {row.Label} / source label {row.SourceLabel} outside [0, {classes}).", nameof(rows));
        }
        return new Dictionary<string, string>(metadata);
    }

    private static async Task WriteValidatedAsync(
        Stream output, IReadOnlyList<ConstructedRow> rows, ImageShape shape, Dictionary<string, string> metadata, CancellationToken ct)
    {
        int n = rows.Count;
        int imageBytes = shape.Size * sizeof(float);
        var index = new long[n];
        var label = new int[n];
        var sourceLabel = new int[n];
        var startIndex = new long?[n];
        var success = new bool[n];
        var distance = new float[n];
        // One buffer for all pixels, sliced per row: no per-row byte[] for the largest column.
        byte[] pixelBuffer = GC.AllocateUninitializedArray<byte>(n * imageBytes);
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
                var dst = pixelBuffer.AsSpan(i * imageBytes, imageBytes);
                MemoryMarshal.AsBytes(row.Pixels.AsSpan()).CopyTo(dst);
                if (!BitConverter.IsLittleEndian)
                {
                    var words = MemoryMarshal.Cast<byte, int>(dst);
                    BinaryPrimitives.ReverseEndianness(words, words);
                }
                pixels[i] = pixelBuffer.AsMemory(i * imageBytes, imageBytes);
                png[i] = PngCodec.Encode(row.Pixels, shape);
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }

        var imagePath = new string?[n]; // always null: the image is in the bytes field
        await using var writer = await ParquetWriter.CreateAsync(ConstructedDatasetSchema.Schema, output, Options, false, ct).ConfigureAwait(false);
        writer.CustomMetadata = metadata;
        using (var group = writer.CreateRowGroup())
        {
            await group.WriteAsync<long>(ConstructedDatasetSchema.Index, index, null, null, ct).ConfigureAwait(false);
            await group.WriteAsync<int>(ConstructedDatasetSchema.Label, label, null, null, ct).ConfigureAwait(false);
            await group.WriteAsync<int>(ConstructedDatasetSchema.SourceLabel, sourceLabel, null, null, ct).ConfigureAwait(false);
            await group.WriteAsync<long>(ConstructedDatasetSchema.StartIndex, startIndex, null, null, ct).ConfigureAwait(false);
            await group.WriteAsync<ReadOnlyMemory<byte>>(ConstructedDatasetSchema.Pixels, pixels, null, null, ct).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            // The byte[]/string helpers derive the definition levels of fields nested in the optional struct.
            await group.WriteAsync(ConstructedDatasetSchema.ImageBytes, png, null).ConfigureAwait(false);
            await group.WriteAsync(ConstructedDatasetSchema.ImagePath, imagePath!, null).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            await group.WriteAsync<bool>(ConstructedDatasetSchema.AttackSuccess, success, null, null, ct).ConfigureAwait(false);
            await group.WriteAsync<float>(ConstructedDatasetSchema.Distance, distance, null, null, ct).ConfigureAwait(false);
            group.CompleteValidate();
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: a leftover temporary file is discarded by the next attempt (FileMode.Create) or on resume.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
