namespace StreamPipeline.Data.Parquet;

/// <summary>Everything in one constructed-dataset file: the rows, the PNG bytes of each row, the image shape and the key-value metadata.</summary>
public sealed record ShardContents(
    IReadOnlyList<ConstructedRow> Rows,
    IReadOnlyList<byte[]> Png,
    ImageShape Shape,
    IReadOnlyDictionary<string, string> Metadata);
