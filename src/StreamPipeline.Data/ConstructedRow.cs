namespace StreamPipeline.Data;

/// <summary>One row of a constructed dataset (Parquet schema v1, see data-schemas/).</summary>
public sealed record ConstructedRow(
    long Index,
    int Label,
    int SourceLabel,
    long? StartIndex,
    float[] Pixels,
    bool AttackSuccess,
    float Distance);
