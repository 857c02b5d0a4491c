namespace StreamPipeline.Data.Parquet;

/// <summary>One column of a Parquet file's schema: dotted path (<c>image.bytes</c>), physical type (<c>GROUP</c> for a struct), logical type, nullability.</summary>
public sealed record ParquetColumnDescription(string Path, string PhysicalType, string? LogicalType, bool Nullable);
