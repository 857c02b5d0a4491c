using System.Buffers.Binary;

namespace StreamPipeline.Cli.Tests;

/// <summary>A valid PNG whose header lies about its size, as a hostile dataset holds one.</summary>
public static class HostilePng
{
    /// <summary><paramref name="png"/> with its IHDR chunk saying <paramref name="width"/>×<paramref name="height"/> (its CRC redone).</summary>
    public static byte[] WithSize(byte[] png, int width, int height)
    {
        var bytes = png.ToArray();
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(16), width);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(20), height);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(29), Crc32(bytes.AsSpan(12, 17))); // "IHDR" and its 13 bytes
        return bytes;
    }

    // The CRC-32 of the PNG specification.
    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
        }
        return crc ^ 0xFFFFFFFFu;
    }
}
