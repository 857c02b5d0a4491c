using StreamPipeline.Data;

namespace StreamPipeline.Models.Tests;

/// <summary>A real <see cref="IImageDataset"/> over arrays held in memory (pixels N×C×H×W in [0,1]).</summary>
internal sealed class InMemoryImageDataset(string reference, ImageShape shape, int classes, float[] pixels, int[] labels) : IImageDataset
{
    private int reads;

    public string Reference { get; } = reference;

    public ImageShape Shape { get; } = shape;

    public int Classes { get; } = classes;

    public long Count => labels.Length;

    /// <summary>Number of <see cref="ReadRange"/> calls so far.</summary>
    public int Reads => Volatile.Read(ref reads);

    /// <summary>The largest count a single <see cref="ReadRange"/> call asked for.</summary>
    public int LargestRead { get; private set; }

    public int[] Labels => labels;

    public ImageBatch ReadRange(long start, int count)
    {
        if (start < 0 || count < 0 || start + count > Count)
            throw new ArgumentOutOfRangeException(nameof(start), $"range [{start}, {start + count}) is outside [0, {Count})");
        Interlocked.Increment(ref reads);
        lock (this) LargestRead = Math.Max(LargestRead, count);
        var size = Shape.Size;
        var indices = Enumerable.Range(0, count).Select(i => start + i).ToArray();
        return new ImageBatch(
            indices,
            labels.AsSpan((int)start, count).ToArray(),
            pixels.AsSpan((int)start * size, count * size).ToArray(),
            Shape);
    }

    public void Dispose() { }
}
