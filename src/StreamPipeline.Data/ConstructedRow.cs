namespace StreamPipeline.Data;

/// <summary>
/// One row of a constructed dataset (Parquet schema, see data-schemas/). <see cref="Pixels"/> is a view (C×H×W float32
/// in [0,1]), usually into the whole batch's array: rows do not copy the pixels on their way to the writer.
/// </summary>
public sealed record ConstructedRow(
    long Index,
    int Label,
    int SourceLabel,
    long? StartIndex,
    ReadOnlyMemory<float> Pixels,
    bool AttackSuccess,
    float Distance);
