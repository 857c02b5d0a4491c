using Parquet.Schema;

namespace StreamPipeline.Data.Parquet;

/// <summary>
/// The schema of version 1 files, kept so that they stay readable: the same columns as v2, but required (non-nullable)
/// except <c>start_index</c>, <c>image</c> and <c>image.path</c>, and int32 labels. Nothing writes it any more.
/// </summary>
internal static class ConstructedDatasetSchemaV1
{
    public static ParquetSchema Schema { get; } = new(
        new DataField<long>("index", false),
        new DataField<int>("label", false),
        new DataField<int>("source_label", false),
        new DataField<long?>("start_index", true),
        new DataField<byte[]>("pixels", false),
        new StructField("image", new DataField<byte[]>("bytes", false), new DataField<string>("path", true)),
        new DataField<bool>("attack_success", false),
        new DataField<float>("distance", false));
}
