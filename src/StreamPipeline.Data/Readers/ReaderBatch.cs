namespace StreamPipeline.Data.Readers;

/// <summary>Assembles a batch of examples [start, start + count) once its pixels are read.</summary>
internal static class ReaderBatch
{
    public static ImageBatch Create(long start, int count, int[] allLabels, float[] pixels, ImageShape shape)
    {
        var indices = new long[count];
        var labels = new int[count];
        for (var i = 0; i < count; i++)
        {
            indices[i] = start + i;
            labels[i] = allLabels[start + i];
        }
        return new ImageBatch(indices, labels, pixels, shape);
    }
}
