using StreamPipeline.Data;

namespace StreamPipeline.Tests.Shared;

/// <summary>A PNG file decoded by the project's own PNG decoder (StbImageSharp underneath), with the checks a plot test needs.</summary>
internal sealed class RenderedPng
{
    private readonly float[] _chw;

    public RenderedPng(string path)
    {
        _chw = PngCodec.Decode(File.ReadAllBytes(path), out var shape);
        Shape = shape;
    }

    public ImageShape Shape { get; }

    /// <summary>Share of the pixels in rows [top, bottom) that are clearly darker than the white background.</summary>
    public double InkShare(int top, int bottom)
    {
        int plane = Shape.Height * Shape.Width, ink = 0;
        for (var y = top; y < bottom; y++)
            for (var x = 0; x < Shape.Width; x++)
                if (Channel(0, y, x) + Channel(1, y, x) + Channel(2, y, x) < 3 * 0.6f)
                    ink++;
        return ink / (double)((bottom - top) * Shape.Width);
    }

    /// <summary>Distinct saturated colours (quantised), i.e. data lines and markers rather than black text and grey grid.</summary>
    public int SaturatedColours()
    {
        var colours = new HashSet<(int, int, int)>();
        for (var y = 0; y < Shape.Height; y++)
            for (var x = 0; x < Shape.Width; x++)
            {
                float r = Channel(0, y, x), g = Channel(1, y, x), b = Channel(2, y, x);
                if (Math.Max(r, Math.Max(g, b)) - Math.Min(r, Math.Min(g, b)) > 0.5f)
                    colours.Add(((int)(r * 4), (int)(g * 4), (int)(b * 4)));
            }
        return colours.Count;
    }

    private float Channel(int c, int y, int x) => _chw[(c * Shape.Height + y) * Shape.Width + x];
}
