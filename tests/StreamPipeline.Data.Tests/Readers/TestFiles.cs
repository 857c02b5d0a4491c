using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace StreamPipeline.Data.Tests.Readers;

/// <summary>Writes small dataset files in the formats the readers accept, from known bytes.</summary>
public static class TestFiles
{
    /// <summary>An IDX file: magic, big-endian dimensions, then <paramref name="data"/>; gzip-compressed if asked.</summary>
    public static void WriteIdx(string path, int magic, int[] dimensions, byte[] data, bool gzip = false)
    {
        var bytes = new byte[4 + 4 * dimensions.Length + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (var i = 0; i < dimensions.Length; i++)
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dimensions[i]);
        data.CopyTo(bytes, 4 + 4 * dimensions.Length);
        if (!gzip)
        {
            File.WriteAllBytes(path, bytes);
            return;
        }
        using var file = File.Create(path);
        using var compressed = new GZipStream(file, CompressionLevel.Fastest);
        compressed.Write(bytes);
    }

    /// <summary>An IDX images file of <paramref name="count"/> images of rows×columns and its labels file.</summary>
    public static void WriteIdxPair(string imagesPath, string labelsPath, byte[] pixels, byte[] labels, int rows, int columns, bool gzip = false)
    {
        WriteIdx(imagesPath, 0x803, [labels.Length, rows, columns], pixels, gzip);
        WriteIdx(labelsPath, 0x801, [labels.Length], labels, gzip);
    }

    /// <summary>A CIFAR-10 binary file: for each record, the label byte then its 3072 pixel bytes.</summary>
    public static void WriteCifar(string path, byte[] labels, byte[] pixels)
    {
        using var file = File.Create(path);
        for (var r = 0; r < labels.Length; r++)
        {
            file.WriteByte(labels[r]);
            file.Write(pixels, r * 3072, 3072);
        }
    }

    /// <summary>Deterministic pseudo-random bytes.</summary>
    public static byte[] Bytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>
    /// A minimal 8-bit PNG (one IDAT, filter 0) from interleaved pixels; <paramref name="colorType"/>
    /// 0 grey, 2 RGB, 4 grey+alpha, 6 RGBA. Test-only: the product's PNG encoder lives elsewhere.
    /// </summary>
    public static void WritePng(string path, int width, int height, int colorType, byte[] pixels)
    {
        var channels = colorType switch { 0 => 1, 2 => 3, 4 => 2, 6 => 4, _ => throw new ArgumentOutOfRangeException(nameof(colorType)) };
        using var raw = new MemoryStream();
        using (var zlib = new ZLibStream(raw, CompressionLevel.Fastest, leaveOpen: true))
            for (var y = 0; y < height; y++)
            {
                zlib.WriteByte(0);
                zlib.Write(pixels, y * width * channels, width * channels);
            }
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;
        header[9] = (byte)colorType;
        using var file = File.Create(path);
        file.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        WriteChunk(file, "IHDR", header);
        WriteChunk(file, "IDAT", raw.ToArray());
        WriteChunk(file, "IEND", []);
    }

    private static void WriteChunk(Stream stream, string type, byte[] data)
    {
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(chunk, data.Length);
        Encoding.ASCII.GetBytes(type).CopyTo(chunk, 4);
        data.CopyTo(chunk, 8);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Crc32(chunk.AsSpan(4, 4 + data.Length)));
        stream.Write(chunk);
    }

    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }
}
