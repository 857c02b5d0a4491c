namespace StreamPipeline.Data;

/// <summary>A labelled image dataset read by contiguous index ranges, without holding more than it must in memory.</summary>
public interface IImageDataset : IDisposable
{
    /// <summary>The reference this dataset was opened from, e.g. <c>fashion-mnist:train</c>.</summary>
    string Reference { get; }

    ImageShape Shape { get; }

    /// <summary>Number of classes (labels are in [0, Classes)).</summary>
    int Classes { get; }

    /// <summary>The name of each class, index = label; <see cref="Classes"/> of them.</summary>
    /// <remarks>
    /// A default (the numbered names "0", "1", …) so that a dataset without names, test doubles included, need not
    /// spell them out; every reader of named data overrides it.
    /// </remarks>
    IReadOnlyList<string> ClassNames => DatasetClasses.Numbered(Classes);

    /// <summary>Number of examples (after any limit).</summary>
    long Count { get; }

    /// <summary>Reads examples [start, start+count) as one batch. Thread-safe.</summary>
    ImageBatch ReadRange(long start, int count);
}
