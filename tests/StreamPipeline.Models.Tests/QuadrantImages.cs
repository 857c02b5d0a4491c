using StreamPipeline.Data;

namespace StreamPipeline.Models.Tests;

/// <summary>
/// A small learnable image problem: noisy 1×8×8 images where one quadrant is bright; the class is that quadrant (0..3).
/// </summary>
internal static class QuadrantImages
{
    public static readonly ImageShape Shape = new(1, 8, 8);

    public const int Classes = 4;

    public static InMemoryImageDataset Create(int count, int seed, string reference = "quadrants")
    {
        var random = new Random(seed);
        var pixels = new float[count * Shape.Size];
        var labels = new int[count];
        for (var n = 0; n < count; n++)
        {
            var label = random.Next(Classes);
            labels[n] = label;
            int top = label / 2 * 4, left = label % 2 * 4;
            for (var y = 0; y < 8; y++)
            for (var x = 0; x < 8; x++)
            {
                var bright = y >= top && y < top + 4 && x >= left && x < left + 4;
                var noise = (float)random.NextDouble() * 0.4f;
                pixels[n * Shape.Size + y * 8 + x] = bright ? Math.Min(1f, 0.5f + noise) : noise;
            }
        }

        return new InMemoryImageDataset(reference, Shape, Classes, pixels, labels);
    }
}
