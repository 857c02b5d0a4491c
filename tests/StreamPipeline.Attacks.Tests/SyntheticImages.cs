using StreamPipeline.Data;

namespace StreamPipeline.Attacks.Tests;

/// <summary>A seeded toy dataset: each class is a random prototype image plus per-example noise, clipped to [0,1].</summary>
public sealed class SyntheticImages
{
    private readonly float[] _pixels;
    private readonly int[] _labels;

    public SyntheticImages(ImageShape shape, int classes, int count, int seed, float noise = 0.15f)
    {
        Shape = shape;
        var rng = new Random(seed);
        var prototypes = new float[classes][];
        for (var k = 0; k < classes; k++)
            prototypes[k] = Enumerable.Range(0, shape.Size).Select(_ => (float)rng.NextDouble()).ToArray();
        _pixels = new float[count * shape.Size];
        _labels = new int[count];
        for (var i = 0; i < count; i++)
        {
            var label = i % classes;
            _labels[i] = label;
            for (var j = 0; j < shape.Size; j++)
                _pixels[i * shape.Size + j] = Math.Clamp(prototypes[label][j] + noise * (float)LinearModel.Gaussian(rng), 0f, 1f);
        }
    }

    public ImageShape Shape { get; }

    public int Count => _labels.Length;

    public ImageBatch Batch(long[] indices)
    {
        var size = Shape.Size;
        var pixels = new float[indices.Length * size];
        for (var i = 0; i < indices.Length; i++)
            _pixels.AsSpan((int)indices[i] * size, size).CopyTo(pixels.AsSpan(i * size, size));
        return new ImageBatch(indices, indices.Select(i => _labels[i]).ToArray(), pixels, Shape);
    }

    /// <summary>A request whose start image for example i is example <c>plan.StartIndexOf(i)</c>.</summary>
    public PerturbRequest RequestWithStarts(long[] indices, StartImagePlan plan)
    {
        var starts = indices.Select(plan.StartIndexOf).ToArray();
        return new PerturbRequest(Batch(indices), starts, Batch(starts).Pixels);
    }
}
