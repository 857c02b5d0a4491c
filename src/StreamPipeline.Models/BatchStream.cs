using StreamPipeline.Data;

namespace StreamPipeline.Models;

/// <summary>
/// Streams a dataset as fixed-size host batches, reading it in contiguous chunks (the next chunk is read in the
/// background while the current one is consumed). With a <see cref="Random"/>, chunks are visited in a random order
/// and shuffled within; without one, examples come in index order.
/// </summary>
internal static class BatchStream
{
    /// <summary>Upper bound on one chunk's pixels, so large images shrink the chunk instead of growing memory.</summary>
    public const long MaxChunkBytes = 128L << 20;

    public static IEnumerable<HostBatch> Enumerate(IImageDataset data, int batchSize, int chunkSize, Random? shuffle, CancellationToken ct)
    {
        var shape = data.Shape;
        var size = shape.Size;
        chunkSize = (int)Math.Max(1, Math.Min(chunkSize, MaxChunkBytes / (sizeof(float) * (long)size)));
        var chunkStarts = new List<long>();
        for (long start = 0; start < data.Count; start += chunkSize) chunkStarts.Add(start);
        if (shuffle is not null) Shuffle(chunkStarts, shuffle);

        var pixels = new float[(long)batchSize * size];
        var labels = new long[batchSize];
        var fill = 0;
        Task<ImageBatch>? pending = chunkStarts.Count > 0 ? ReadAsync(data, chunkStarts[0], chunkSize) : null;
        try
        {
            for (var c = 0; c < chunkStarts.Count; c++)
            {
                ct.ThrowIfCancellationRequested();
                var chunk = pending!.GetAwaiter().GetResult();
                pending = c + 1 < chunkStarts.Count ? ReadAsync(data, chunkStarts[c + 1], chunkSize) : null;
                var expected = (int)Math.Min(chunkSize, data.Count - chunkStarts[c]);
                if (chunk.Count != expected || chunk.Shape != shape || chunk.Pixels.Length != (long)chunk.Count * size)
                    throw new DataFormatException(
                        $"{data.Reference}: reading {expected} examples from {chunkStarts[c]} returned {chunk.Count} of shape {chunk.Shape} ({chunk.Pixels.Length} values)");

                var order = Enumerable.Range(0, chunk.Count).ToArray();
                if (shuffle is not null) Shuffle(order, shuffle);
                foreach (var i in order)
                {
                    var label = chunk.Labels[i];
                    if ((uint)label >= (uint)data.Classes)
                        throw new DataFormatException($"{data.Reference}: example {chunk.Indices[i]} has label {label}, expected 0..{data.Classes - 1}");
                    chunk.Image(i).CopyTo(pixels.AsSpan(fill * size, size));
                    labels[fill] = label;
                    if (++fill == batchSize)
                    {
                        yield return new HostBatch(pixels, labels, fill);
                        fill = 0;
                    }
                }
            }

            if (fill > 0) yield return new HostBatch(pixels, labels, fill);
        }
        finally
        {
            // Let an abandoned read finish so nothing touches the dataset after the caller has moved on (and disposed it);
            // its outcome no longer matters.
            if (pending is not null)
                try { pending.Wait(CancellationToken.None); }
                catch (AggregateException) { }
        }
    }

    private static Task<ImageBatch> ReadAsync(IImageDataset data, long start, int chunkSize)
    {
        var count = (int)Math.Min(chunkSize, data.Count - start);
        return Task.Run(() => data.ReadRange(start, count));
    }

    private static void Shuffle<T>(IList<T> items, Random random)
    {
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
