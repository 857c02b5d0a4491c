namespace StreamPipeline.Data.Parquet;

/// <summary>The small per-row columns of one shard (no pixels, no PNGs) with its metadata: what statistics need.</summary>
public sealed record ShardLabels(ConstructedDatasetMetadata Metadata, int[] Label, int[] SourceLabel, bool[] AttackSuccess, float[] Distance)
{
    public int Rows => Label.Length;
}
