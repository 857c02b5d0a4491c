using System.Buffers.Binary;
using System.Globalization;
using StbImageSharp;

namespace StreamPipeline.Data.Readers;

/// <summary>Encoded image bytes (PNG, JPEG, anything stb_image reads) to header facts and planar float pixels, for every reader of such images.</summary>
internal static class EncodedImage
{
    /// <summary>The most pixels one image may have (8192×8192): far above any dataset image, far below what would exhaust memory.</summary>
    public const long MaxPixels = 8192L * 8192;

    /// <summary>How far into a file the PNG/JPEG size is looked for when stb_image refuses the header (JPEG puts metadata first).</summary>
    private const int SniffBytes = 256 * 1024;

    /// <summary>
    /// Width, height and colour components from the header alone; <paramref name="source"/> names the image in errors.
    /// An image of more than <see cref="MaxPixels"/> is refused with its size, whether stb_image accepts its header or not.
    /// </summary>
    /// <exception cref="DataFormatException">Not an image stb_image recognises, or too large.</exception>
    public static ImageInfo Info(Stream image, string source)
    {
        ImageInfo? info;
        try
        {
            info = ImageInfo.FromStream(image);
        }
        catch (Exception e)
        {
            throw new DataFormatException($"{source}: unreadable image ({e.Message})", e);
        }
        if (info is { } known)
        {
            CheckSize("image", known.Width, known.Height, source);
            return known;
        }
        // stb_image refuses a header it will not decode (a size it thinks too large among them) without saying why.
        if (image.CanSeek && Sniff(image) is var (format, width, height))
        {
            CheckSize(format, width, height, source);
            throw new DataFormatException($"{source}: unreadable {format} ({width}x{height} pixels; the header is not one stb_image decodes)");
        }
        throw new DataFormatException($"{source}: unreadable image (not PNG or JPEG)");
    }

    private static void CheckSize(string format, long width, long height, string source)
    {
        if (width < 1 || height < 1 || width * height > MaxPixels)
            throw new DataFormatException(
                string.Create(CultureInfo.InvariantCulture, $"{source}: {format} of {width}x{height} pixels; an image may have at most {MaxPixels:N0} pixels (8192x8192)"));
    }

    /// <summary>The format and size a PNG (IHDR) or JPEG (SOFn) header states, read from the stream's start; null for neither.</summary>
    private static (string Format, long Width, long Height)? Sniff(Stream image)
    {
        image.Position = 0;
        var head = new byte[SniffBytes];
        var length = image.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var bytes = head.AsSpan(0, length);
        // PNG: signature, then the IHDR chunk: length, "IHDR", width and height as big-endian uint32.
        if (bytes.Length >= 24 && bytes[..8].SequenceEqual((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
            && bytes[12..16].SequenceEqual("IHDR"u8))
            return ("PNG", BinaryPrimitives.ReadUInt32BigEndian(bytes[16..]), BinaryPrimitives.ReadUInt32BigEndian(bytes[20..]));
        // JPEG: SOI, then segments (marker, big-endian length) up to a start-of-frame: precision, height, width.
        if (bytes.Length < 4 || bytes[0] != 0xFF || bytes[1] != 0xD8)
            return null;
        for (var at = 2; at + 9 <= bytes.Length && bytes[at] == 0xFF;)
        {
            var marker = bytes[at + 1];
            if (marker is >= 0xC0 and <= 0xCF and not (0xC4 or 0xC8 or 0xCC))
                return ("JPEG", BinaryPrimitives.ReadUInt16BigEndian(bytes[(at + 7)..]), BinaryPrimitives.ReadUInt16BigEndian(bytes[(at + 5)..]));
            at += 2 + BinaryPrimitives.ReadUInt16BigEndian(bytes[(at + 2)..]);
        }
        return null;
    }

    /// <summary>True for grey and grey+alpha images: they decode to one channel.</summary>
    public static bool IsGrey(ImageInfo info) => info.ColorComponents is ColorComponents.Grey or ColorComponents.GreyAlpha;

    /// <summary>
    /// Decodes to <paramref name="shape"/>: one channel (grey) or three (RGB); an alpha channel is dropped, a palette
    /// expanded, 16-bit samples reduced to 8 by stb_image. Values are byte / 255, planar C×H×W.
    /// </summary>
    /// <exception cref="DataFormatException">Undecodable bytes, or an image of another width or height.</exception>
    public static void Decode(byte[] bytes, ImageShape shape, Span<float> destination, string source)
    {
        ImageResult image;
        try
        {
            image = ImageResult.FromMemory(bytes, shape.Channels == 1 ? ColorComponents.Grey : ColorComponents.RedGreenBlue);
        }
        catch (Exception e)
        {
            throw new DataFormatException($"{source}: unreadable image ({e.Message})", e);
        }
        if (image.Width != shape.Width || image.Height != shape.Height)
            throw new DataFormatException($"{source}: image is {image.Width}x{image.Height}, expected {shape.Width}x{shape.Height}");
        // stb gives interleaved H×W×C; the pipeline wants planar C×H×W.
        var plane = shape.Height * shape.Width;
        for (var p = 0; p < plane; p++)
            for (var c = 0; c < shape.Channels; c++)
                destination[c * plane + p] = image.Data[p * shape.Channels + c] / 255f;
    }
}
