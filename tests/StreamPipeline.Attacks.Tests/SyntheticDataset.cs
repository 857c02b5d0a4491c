using StreamPipeline.Data;

namespace StreamPipeline.Attacks.Tests;

/// <summary><see cref="SyntheticImages"/> as a real <see cref="IImageDataset"/>, for code that streams a dataset by index ranges.</summary>
public sealed class SyntheticDataset(SyntheticImages images, int classes) : IImageDataset
{
    public string Reference => "synthetic:test";

    public ImageShape Shape => images.Shape;

    public int Classes => classes;

    public long Count => images.Count;

    public ImageBatch ReadRange(long start, int count)
    {
        if (start < 0 || count < 0 || start + count > Count)
            throw new ArgumentOutOfRangeException(nameof(start), $"range [{start}, {start + count}) is outside [0, {Count})");
        return images.Batch(Enumerable.Range(0, count).Select(i => start + i).ToArray());
    }

    public void Dispose() { }
}
