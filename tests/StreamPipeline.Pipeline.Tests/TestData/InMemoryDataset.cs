using StreamPipeline.Data;

namespace StreamPipeline.Pipeline.Tests.TestData;

/// <summary>A deterministic dataset computed on the fly; counts its reads so tests can watch the loader.</summary>
public sealed class InMemoryDataset(long count, ImageShape shape, int classes = 10, string reference = "memory:test") : IImageDataset
{
    private long _batchReads;
    private long _singleReads;

    public string Reference { get; } = reference;
    public ImageShape Shape { get; } = shape;
    public int Classes { get; } = classes;
    public long Count { get; } = count;

    /// <summary>Reads of more than one image (the loader's batch reads).</summary>
    public long BatchReads => Interlocked.Read(ref _batchReads);

    /// <summary>Reads of exactly one image (start images, or batches of one).</summary>
    public long SingleReads => Interlocked.Read(ref _singleReads);

    public static float Pixel(long index, int k) => (index * 31 + k * 7) % 97 / 96f;

    public static int Label(long index, int classes) => (int)((index * 7 + 3) % classes);

    public ImageBatch ReadRange(long start, int count)
    {
        if (start < 0 || count < 1 || start + count > Count)
            throw new ArgumentOutOfRangeException(nameof(start), $"[{start}, {start + count}) is outside [0, {Count})");
        Interlocked.Increment(ref count > 1 ? ref _batchReads : ref _singleReads);
        var size = Shape.Size;
        var indices = new long[count];
        var labels = new int[count];
        var pixels = new float[count * size];
        for (var i = 0; i < count; i++)
        {
            var index = start + i;
            indices[i] = index;
            labels[i] = Label(index, Classes);
            for (var k = 0; k < size; k++)
                pixels[i * size + k] = Pixel(index, k);
        }
        return new ImageBatch(indices, labels, pixels, Shape);
    }

    public void Dispose()
    {
    }
}
