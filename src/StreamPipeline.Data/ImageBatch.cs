namespace StreamPipeline.Data;

/// <summary>
/// A batch of source images as plain data: pixels are float32 in [0,1], N×C×H×W contiguous, row-major.
/// No tensors: batches cross threads, actors and (later) the network.
/// </summary>
public sealed record ImageBatch(long[] Indices, int[] Labels, float[] Pixels, ImageShape Shape)
{
    public int Count => Indices.Length;

    /// <summary>The pixels of the i-th image of the batch.</summary>
    public ReadOnlySpan<float> Image(int i) => Pixels.AsSpan(i * Shape.Size, Shape.Size);
}
