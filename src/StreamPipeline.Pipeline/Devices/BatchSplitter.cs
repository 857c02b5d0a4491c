using StreamPipeline.Data;

namespace StreamPipeline.Pipeline.Devices;

/// <summary>Splits a request in halves (after an out-of-memory failure), merges results back in order, checks results.</summary>
public static class BatchSplitter
{
    /// <summary>The first ⌈n/2⌉ and the last ⌊n/2⌋ examples of a request of n ≥ 2.</summary>
    public static (PerturbRequest First, PerturbRequest Second) Split(PerturbRequest request)
    {
        var n = request.Source.Count;
        if (n < 2)
            throw new ArgumentException($"a batch of {n} cannot be split");
        var half = (n + 1) / 2;
        return (Slice(request, 0, half), Slice(request, half, n - half));
    }

    public static PerturbRequest Slice(PerturbRequest request, int offset, int count)
    {
        var source = request.Source;
        var size = source.Shape.Size;
        var batch = new ImageBatch(
            source.Indices.AsSpan(offset, count).ToArray(),
            source.Labels.AsSpan(offset, count).ToArray(),
            source.Pixels.AsSpan(offset * size, count * size).ToArray(),
            source.Shape);
        return new PerturbRequest(
            batch,
            request.StartIndices?.AsSpan(offset, count).ToArray(),
            request.StartPixels?.AsSpan(offset * size, count * size).ToArray());
    }

    /// <summary>The rows of <paramref name="first"/> followed by those of <paramref name="second"/>.</summary>
    public static ConstructedBatch Merge(ConstructedBatch first, ConstructedBatch second)
    {
        if ((first.StartIndices is null) != (second.StartIndices is null) || (first.Targets is null) != (second.Targets is null))
            throw new ArgumentException("cannot merge a batch with start indices or targets and one without");
        return new ConstructedBatch(
            [.. first.Indices, .. second.Indices],
            [.. first.SourceLabels, .. second.SourceLabels],
            first.Targets is null ? null : [.. first.Targets, .. second.Targets!],
            first.StartIndices is null ? null : [.. first.StartIndices, .. second.StartIndices!],
            [.. first.Pixels, .. second.Pixels],
            [.. first.Success, .. second.Success],
            [.. first.Distance, .. second.Distance]);
    }

    /// <summary>Throws <see cref="InvalidOperationException"/> when a perturber's result does not match its request row for row.</summary>
    public static void CheckResult(PerturbRequest request, ConstructedBatch result)
    {
        var n = request.Source.Count;
        var size = request.Source.Shape.Size;
        string? problem = null;
        if (result.Indices.Length != n)
            problem = $"{result.Indices.Length} rows";
        else if (!result.Indices.AsSpan().SequenceEqual(request.Source.Indices))
            problem = "other indices or another order";
        else if (result.SourceLabels.Length != n || result.Success.Length != n || result.Distance.Length != n)
            problem = "label, success or distance arrays of the wrong length";
        else if (!result.SourceLabels.AsSpan().SequenceEqual(request.Source.Labels))
            problem = "other source labels";
        else if (result.Targets is { } targets && targets.Length != n)
            problem = $"{targets.Length} targets";
        else if (result.Pixels.Length != n * size)
            problem = $"{result.Pixels.Length} pixel values instead of {n * size}";
        else if (result.StartIndices is { } starts && starts.Length != n)
            problem = $"{starts.Length} start indices";
        if (problem is not null)
            throw new InvalidOperationException(
                $"perturber returned {problem} for the batch [{request.Source.Indices[0]}, {request.Source.Indices[^1] + 1}) of {n}");
    }
}
