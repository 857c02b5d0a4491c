using System.Buffers.Binary;

namespace StreamPipeline.Data.Readers;

/// <summary>The header of an IDX file (magic number, then one big-endian int32 per dimension).</summary>
internal sealed record IdxHeader(int[] Dimensions)
{
    /// <summary>Unsigned bytes, 3 dimensions (count, rows, columns).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Unsigned bytes, 1 dimension (count).</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>The most header bytes <see cref="Parse"/> may need (magic + 255 dimensions).</summary>
    public const int MaxBytes = 4 + 4 * 255;

    public int ByteCount => 4 + 4 * Dimensions.Length;

    public long Count => Dimensions[0];

    /// <summary>Bytes per item: the product of all dimensions but the first.</summary>
    public long ItemSize => Dimensions.Skip(1).Aggregate(1L, (size, d) => size * d);

    /// <summary>Parses the header at the start of <paramref name="bytes"/>; <paramref name="path"/> names the file in errors.</summary>
    public static IdxHeader Parse(ReadOnlySpan<byte> bytes, int expectedMagic, string path)
    {
        if (bytes.Length < 4)
            throw new DataFormatException($"{path}: too short for an IDX header ({bytes.Length} bytes)");
        var magic = BinaryPrimitives.ReadInt32BigEndian(bytes);
        if (magic != expectedMagic)
            throw new DataFormatException($"{path}: IDX magic number is 0x{magic:X8}, expected 0x{expectedMagic:X8}");
        var dimensions = new int[magic & 0xFF];
        if (bytes.Length < 4 + 4 * dimensions.Length)
            throw new DataFormatException($"{path}: truncated IDX header");
        for (var i = 0; i < dimensions.Length; i++)
        {
            dimensions[i] = BinaryPrimitives.ReadInt32BigEndian(bytes[(4 + 4 * i)..]);
            if (dimensions[i] < 0)
                throw new DataFormatException($"{path}: IDX dimension {i} is negative ({dimensions[i]})");
        }
        return new IdxHeader(dimensions);
    }
}
