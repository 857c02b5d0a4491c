using System.Buffers.Binary;

namespace StreamPipeline.Data.Tests.Parquet;

public sealed class PngCodecTests
{
    public static TheoryData<int, int, int, int> Images()
    {
        var data = new TheoryData<int, int, int, int>();
        int seed = 0;
        foreach (int channels in new[] { 1, 3 })
            foreach (var (h, w) in new[] { (1, 1), (28, 28), (5, 7), (32, 32) })
                data.Add(++seed, channels, h, w);
        return data;
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Encode_then_decode_equals_the_pixels_rounded_to_8_bits(int seed, int channels, int height, int width)
    {
        var shape = new ImageShape(channels, height, width);
        var rows = ShardTestData.RandomRows(seed, 1, shape);
        float[] pixels = rows[0].Pixels.ToArray();

        float[] decoded = PngCodec.Decode(PngCodec.Encode(pixels, shape), out var decodedShape);

        Assert.Equal(shape, decodedShape);
        var expected = pixels.Select(v => MathF.Round(Math.Clamp(v, 0f, 1f) * 255f, MidpointRounding.ToEven) / 255f);
        Assert.Equal(expected, decoded);
    }

    [Fact]
    public void Quantize_clamps_out_of_range_and_NaN_values()
    {
        Assert.Equal(0, PngCodec.Quantize(-0.3f));
        Assert.Equal(0, PngCodec.Quantize(float.NaN));
        Assert.Equal(255, PngCodec.Quantize(1.7f));
        Assert.Equal(255, PngCodec.Quantize(float.PositiveInfinity));
        Assert.Equal(0, PngCodec.Quantize(0.49999997f / 255f));
        Assert.Equal(1, PngCodec.Quantize(1f / 255f));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Every_chunk_carries_a_correct_CRC32_and_the_file_ends_with_IEND(int channels)
    {
        var shape = new ImageShape(channels, 9, 11);
        byte[] png = PngCodec.Encode(ShardTestData.RandomRows(3, 1, shape)[0].Pixels.Span, shape);

        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        var types = new List<string>();
        int at = 8;
        while (at < png.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            var typeAndData = png.AsSpan(at + 4, 4 + length);
            uint stored = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at + 8 + length));
            Assert.Equal(BitwiseCrc32(typeAndData), stored);
            types.Add(System.Text.Encoding.ASCII.GetString(typeAndData[..4]));
            at += 12 + length;
        }
        Assert.Equal(png.Length, at);
        Assert.Equal(["IHDR", "IDAT", "IEND"], types);
        Assert.Equal(new byte[] { 0xAE, 0x42, 0x60, 0x82 }, png[^4..]); // the CRC every IEND chunk has
    }

    [Fact]
    public void Encode_rejects_images_with_two_channels_or_the_wrong_length()
    {
        Assert.Throws<ArgumentException>(() => PngCodec.Encode(new float[2 * 4], new ImageShape(2, 2, 2)));
        Assert.Throws<ArgumentException>(() => PngCodec.Encode(new float[5], new ImageShape(1, 2, 2)));
    }

    [Fact]
    public void Decode_reports_bytes_that_are_not_an_image_as_DataFormatException()
    {
        Assert.Throws<DataFormatException>(() => PngCodec.Decode("not a png at all"u8.ToArray(), out _));
    }

    // Bit by bit, without a table: independent of the encoder's table-driven CRC.
    private static uint BitwiseCrc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
                crc = (crc >> 1) ^ (0xEDB88320u & (uint)-(int)(crc & 1));
        }
        return ~crc;
    }
}
