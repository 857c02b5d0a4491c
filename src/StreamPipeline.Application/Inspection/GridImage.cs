using StreamPipeline.Data;

namespace StreamPipeline.Application.Inspection;

/// <summary>A rendered example grid: the PNG (RGB), its size, the upscaling of each image, the legend drawn at its top and where each example was drawn.</summary>
/// <param name="ExampleShape">Shape of one source or constructed image (before upscaling).</param>
public sealed record GridImage(byte[] Png, int Width, int Height, int Scale, ImageShape ExampleShape, IReadOnlyList<GridRow> Rows)
{
    public IReadOnlyList<string> Legend { get; init; } = [];
}
