using System.Buffers.Binary;
using StreamPipeline.Data;
using StreamPipeline.Pipeline.Sinks;

namespace StreamPipeline.Pipeline.Tests.TestData;

/// <summary>
/// A simple, fast <see cref="IShardSink"/> writing <c>part-NNNNN.bin</c> files (no Parquet): for tests and for
/// benchmarking the pipeline without the Parquet writer. Layout, little-endian: magic <c>SPBIN001</c>, int32 row
/// count, then per row: int64 index, int32 label, int32 source label, byte has-start, int64 start index,
/// byte success, float32 distance, int32 pixel count, float32 pixels.
/// </summary>
public sealed class BinaryShardSink : IShardSink
{
    public const string Extension = "bin";

    public string FileExtension => Extension;

    private static readonly byte[] Magic = "SPBIN001"u8.ToArray();

    public Task WriteAsync(Stream output, IReadOnlyList<ConstructedRow> rows, CancellationToken ct)
    {
        Write(output, rows, ct);
        return Task.CompletedTask;
    }

    private static void Write(Stream stream, IReadOnlyList<ConstructedRow> rows, CancellationToken ct)
    {
        Span<byte> header = stackalloc byte[12];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], rows.Count);
        stream.Write(header);
        var buffer = new byte[34];
        foreach (var row in rows)
        {
            ct.ThrowIfCancellationRequested();
            BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(0), row.Index);
            BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(8), row.Label);
            BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(12), row.SourceLabel);
            buffer[16] = row.StartIndex.HasValue ? (byte)1 : (byte)0;
            BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(17), row.StartIndex ?? -1);
            buffer[25] = row.AttackSuccess ? (byte)1 : (byte)0;
            BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(26), row.Distance);
            BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(30), row.Pixels.Length);
            stream.Write(buffer);
            var pixels = new byte[row.Pixels.Length * sizeof(float)];
            var values = row.Pixels.Span;
            for (var i = 0; i < values.Length; i++)
                BinaryPrimitives.WriteSingleLittleEndian(pixels.AsSpan(i * sizeof(float)), values[i]);
            stream.Write(pixels);
        }
        ct.ThrowIfCancellationRequested();
    }

    /// <summary>Reads a file written by this sink back into rows.</summary>
    public static IReadOnlyList<ConstructedRow> ReadShard(string path)
    {
        var data = File.ReadAllBytes(path);
        if (data.Length < 12 || !data.AsSpan(0, 8).SequenceEqual(Magic))
            throw new DataFormatException($"{path}: not a StreamPipeline binary shard (bad magic)");
        var count = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(8));
        var rows = new List<ConstructedRow>(count);
        var at = 12;
        try
        {
            for (var r = 0; r < count; r++)
            {
                var row = data.AsSpan(at, 34);
                var pixelCount = BinaryPrimitives.ReadInt32LittleEndian(row[30..]);
                var pixels = new float[pixelCount];
                var pixelBytes = data.AsSpan(at + 34, pixelCount * sizeof(float));
                for (var i = 0; i < pixelCount; i++)
                    pixels[i] = BinaryPrimitives.ReadSingleLittleEndian(pixelBytes[(i * sizeof(float))..]);
                rows.Add(new ConstructedRow(
                    BinaryPrimitives.ReadInt64LittleEndian(row),
                    BinaryPrimitives.ReadInt32LittleEndian(row[8..]),
                    BinaryPrimitives.ReadInt32LittleEndian(row[12..]),
                    row[16] == 1 ? BinaryPrimitives.ReadInt64LittleEndian(row[17..]) : null,
                    pixels,
                    row[25] == 1,
                    BinaryPrimitives.ReadSingleLittleEndian(row[26..])));
                at += 34 + pixelCount * sizeof(float);
            }
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new DataFormatException($"{path}: truncated binary shard ({data.Length} bytes, {count} rows announced)", e);
        }
        if (at != data.Length)
            throw new DataFormatException($"{path}: {data.Length - at} unexpected bytes after {count} rows");
        return rows;
    }
}
