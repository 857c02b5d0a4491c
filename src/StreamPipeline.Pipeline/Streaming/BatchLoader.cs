using StreamPipeline.Data;

namespace StreamPipeline.Pipeline.Streaming;

/// <summary>
/// The load stage's work: reads a batch from the dataset and, for representation matching, the start image of each
/// example (<c>ReadRange(s, 1)</c> for s = startIndexFor(i)). Thread-safe; runs on the thread pool.
/// </summary>
public sealed class BatchLoader(IImageDataset data, Func<long, long>? startIndexFor = null)
{
    public LoadedBatch Load(BatchPlan plan)
    {
        var batch = data.ReadRange(plan.Start, plan.Count);
        Check(plan, batch);
        if (startIndexFor is null)
            return new LoadedBatch(plan, new PerturbRequest(batch));

        var size = batch.Shape.Size;
        var starts = new long[batch.Count];
        var startPixels = new float[batch.Count * size];
        for (var i = 0; i < batch.Count; i++)
        {
            var start = startIndexFor(batch.Indices[i]);
            if (start < 0 || start >= data.Count)
                throw new InvalidOperationException($"start image {start} chosen for example {batch.Indices[i]} is outside dataset {data.Reference} (0..{data.Count - 1})");
            var image = data.ReadRange(start, 1);
            if (image.Count != 1 || image.Pixels.Length != size)
                throw new InvalidOperationException($"dataset {data.Reference} returned {image.Count} images for index {start}");
            starts[i] = start;
            image.Pixels.CopyTo(startPixels, i * size);
        }
        return new LoadedBatch(plan, new PerturbRequest(batch, starts, startPixels));
    }

    private void Check(BatchPlan plan, ImageBatch batch)
    {
        string? problem = null;
        if (batch.Count != plan.Count)
            problem = $"{batch.Count} examples";
        else if (batch.Shape != data.Shape)
            problem = $"images of shape {batch.Shape} (the dataset says {data.Shape})";
        else if (batch.Pixels.Length != batch.Count * batch.Shape.Size || batch.Labels.Length != batch.Count)
            problem = "pixel or label arrays of the wrong length";
        else
        {
            for (var i = 0; i < batch.Count && problem is null; i++)
            {
                if (batch.Indices[i] != plan.Start + i)
                    problem = $"index {batch.Indices[i]} at position {i}";
            }
        }
        if (problem is not null)
            throw new InvalidOperationException($"dataset {data.Reference} returned {problem} for the range [{plan.Start}, {plan.End})");
    }
}
