using StbImageSharp;

namespace StreamPipeline.Data.Readers;

/// <summary>Encoded image bytes (PNG, JPEG, anything stb_image reads) to header facts and planar float pixels, for every reader of such images.</summary>
internal static class EncodedImage
{
    /// <summary>Width, height and colour components from the header alone; <paramref name="source"/> names the image in errors.</summary>
    /// <exception cref="DataFormatException">Not an image stb_image recognises.</exception>
    public static ImageInfo Info(Stream image, string source)
    {
        try
        {
            return ImageInfo.FromStream(image) ?? throw new DataFormatException($"{source}: unreadable image (not PNG or JPEG)");
        }
        catch (Exception e) when (e is not DataFormatException)
        {
            throw new DataFormatException($"{source}: unreadable image ({e.Message})", e);
        }
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
