using StreamPipeline.Data;

namespace StreamPipeline.Cli.Inspection;

/// <summary>A 3×H×W float image in [0,1] to draw images (upscaled nearest-neighbour) and <see cref="BitmapFont"/> text on.</summary>
public sealed class RgbCanvas
{
    private readonly float[] _pixels;

    public RgbCanvas(int width, int height, Rgb background)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if ((long)width * height * 3 > Array.MaxLength)
            throw new ArgumentException($"canvas {width}x{height} is too large");
        Width = width;
        Height = height;
        _pixels = new float[3 * width * height];
        Fill(0, 0, width, height, background);
    }

    public int Width { get; }

    public int Height { get; }

    public ImageShape Shape => new(3, Height, Width);

    /// <summary>The pixels, C×H×W (channel planes R, G, B), as <see cref="PngCodec.Encode"/> takes them.</summary>
    public ReadOnlySpan<float> Pixels => _pixels;

    public Rgb this[int x, int y]
    {
        get
        {
            var p = y * Width + x;
            var plane = Width * Height;
            return new Rgb(_pixels[p], _pixels[plane + p], _pixels[2 * plane + p]);
        }
    }

    /// <summary>Sets one pixel; pixels outside the canvas are ignored, so text may run off an edge.</summary>
    public void Set(int x, int y, Rgb colour)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height) return;
        var p = y * Width + x;
        var plane = Width * Height;
        _pixels[p] = colour.R;
        _pixels[plane + p] = colour.G;
        _pixels[2 * plane + p] = colour.B;
    }

    public void Fill(int x, int y, int width, int height, Rgb colour)
    {
        for (var yy = y; yy < y + height; yy++)
        for (var xx = x; xx < x + width; xx++)
            Set(xx, yy, colour);
    }

    /// <summary>Draws a C×H×W image (C = 1 grey, or 3) with its top-left at (x, y), each pixel a <paramref name="scale"/>² block; values are clamped to [0,1].</summary>
    public void DrawImage(ReadOnlySpan<float> chw, ImageShape shape, int x, int y, int scale)
    {
        if (shape.Channels is not (1 or 3))
            throw new ArgumentException($"cannot draw an image of shape {shape}: 1 or 3 channels are needed");
        if (chw.Length != shape.Size)
            throw new ArgumentException($"image has {chw.Length} values, shape {shape} needs {shape.Size}");
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        var plane = shape.Height * shape.Width;
        for (var row = 0; row < shape.Height; row++)
        for (var col = 0; col < shape.Width; col++)
        {
            var p = row * shape.Width + col;
            var colour = shape.Channels == 1
                ? Rgb.Grey(Clamp(chw[p]))
                : new Rgb(Clamp(chw[p]), Clamp(chw[plane + p]), Clamp(chw[2 * plane + p]));
            Fill(x + col * scale, y + row * scale, scale, scale, colour);
        }
    }

    /// <summary>Draws <paramref name="text"/> with its top-left at (x, y); returns the width drawn.</summary>
    public int DrawText(string text, int x, int y, int scale, Rgb colour)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        for (var i = 0; i < text.Length; i++)
        {
            var glyph = BitmapFont.Glyph(text[i]);
            var left = x + i * BitmapFont.Advance * scale;
            for (var gy = 0; gy < BitmapFont.GlyphHeight; gy++)
            for (var gx = 0; gx < BitmapFont.GlyphWidth; gx++)
            {
                if (glyph[gy, gx]) Fill(left + gx * scale, y + gy * scale, scale, scale, colour);
            }
        }
        return BitmapFont.MeasureWidth(text, scale);
    }

    // NaN draws black, like PngCodec.Quantize stores it.
    private static float Clamp(float v) => v > 0f ? Math.Min(v, 1f) : 0f;
}
