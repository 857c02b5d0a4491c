using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using StbImageSharp;

namespace StreamPipeline.Data;

/// <summary>8-bit PNG encoding of C×H×W float images in [0,1] (grey for C=1, RGB for C=3), and decoding back to floats.</summary>
public static class PngCodec
{
    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>The 8-bit value a float pixel is stored as: round(clamp(v, 0, 1) · 255) with ties to even (as numpy's <c>round</c>), NaN as 0.</summary>
    public static byte Quantize(float v)
    {
        // The negated comparison sends NaN to 0 together with negatives.
        if (!(v > 0f)) return 0;
        if (v >= 1f) return 255;
        // Not (v·255 + 0.5) truncated: that addition can itself round up (0.49999997 + 0.5 == 1 in float32).
        return (byte)MathF.Round(v * 255f);
    }

    /// <summary>Encodes one C×H×W image (C = 1 or 3) as a PNG file.</summary>
    public static byte[] Encode(ReadOnlySpan<float> chw, ImageShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        int c = shape.Channels, h = shape.Height, w = shape.Width;
        if (c is not (1 or 3))
            throw new ArgumentException($"PNG encoding needs 1 or 3 channels, got shape {shape}.", nameof(shape));
        if (h <= 0 || w <= 0)
            throw new ArgumentException($"PNG encoding needs a positive height and width, got shape {shape}.", nameof(shape));
        if (chw.Length != shape.Size)
            throw new ArgumentException($"Image has {chw.Length} values, shape {shape} needs {shape.Size}.", nameof(chw));

        int stride = 1 + w * c;
        int rawLength = h * stride;
        byte[] raw = ArrayPool<byte>.Shared.Rent(rawLength);
        try
        {
            int plane = h * w;
            for (int y = 0; y < h; y++)
            {
                int o = y * stride;
                raw[o++] = 0; // filter type None: the cheapest to produce, and these images are small
                int p = y * w;
                for (int x = 0; x < w; x++, p++)
                    for (int ch = 0; ch < c; ch++)
                        raw[o++] = Quantize(chw[ch * plane + p]);
            }

            using var png = new MemoryStream(64 + rawLength / 2);
            png.Write(Signature);

            Span<byte> ihdr = stackalloc byte[13];
            BinaryPrimitives.WriteInt32BigEndian(ihdr, w);
            BinaryPrimitives.WriteInt32BigEndian(ihdr[4..], h);
            ihdr[8] = 8;                              // bit depth
            ihdr[9] = (byte)(c == 1 ? 0 : 2);         // colour type: greyscale or truecolour
            ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0; // deflate, adaptive filtering, no interlace
            WriteChunk(png, "IHDR"u8, ihdr);

            using (var idat = new MemoryStream(rawLength / 2 + 64))
            {
                using (var z = new ZLibStream(idat, CompressionLevel.Fastest, leaveOpen: true))
                    z.Write(raw, 0, rawLength);
                WriteChunk(png, "IDAT"u8, idat.GetBuffer().AsSpan(0, (int)idat.Length));
            }

            WriteChunk(png, "IEND"u8, []);
            return png.ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(raw);
        }
    }

    /// <summary>Decodes a PNG (grey or RGB, alpha dropped) to C×H×W floats v/255.</summary>
    /// <exception cref="DataFormatException">The bytes are not a decodable PNG.</exception>
    public static float[] Decode(byte[] png, out ImageShape shape)
    {
        ArgumentNullException.ThrowIfNull(png);
        ImageResult image;
        try
        {
            var info = Readers.EncodedImage.Info(new MemoryStream(png, writable: false), "PNG");
            var wanted = info.ColorComponents is ColorComponents.Grey or ColorComponents.GreyAlpha
                ? ColorComponents.Grey
                : ColorComponents.RedGreenBlue;
            image = ImageResult.FromMemory(png, wanted);
        }
        catch (Exception e) when (e is not DataFormatException)
        {
            throw new DataFormatException($"PNG: cannot decode image: {e.Message}", e);
        }

        int c = image.Comp == ColorComponents.Grey ? 1 : 3;
        int h = image.Height, w = image.Width, plane = h * w;
        shape = new ImageShape(c, h, w);
        var chw = new float[c * plane];
        byte[] hwc = image.Data;
        for (int p = 0; p < plane; p++)
            for (int ch = 0; ch < c; ch++)
                chw[ch * plane + p] = hwc[p * c + ch] / 255f;
        return chw;
    }

    private static void WriteChunk(Stream output, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        output.Write(word);
        output.Write(type);
        output.Write(data);
        uint crc = Crc32Update(0xFFFFFFFFu, type);
        crc = Crc32Update(crc, data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        output.Write(word);
    }

    private static uint Crc32Update(uint crc, ReadOnlySpan<byte> data)
    {
        uint[] table = CrcTable;
        foreach (byte b in data)
            crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    // The CRC-32 of the PNG specification (ISO 3309 polynomial, reflected): System.IO.Hashing is not referenced.
    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
