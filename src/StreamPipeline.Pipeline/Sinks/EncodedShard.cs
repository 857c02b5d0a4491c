namespace StreamPipeline.Pipeline.Sinks;

/// <summary>A shard's file held in memory: its name, rows, SHA-256 and bytes (what a cluster worker streams to its coordinator).</summary>
public sealed record EncodedShard(int Id, string File, long Rows, string Sha256, byte[] Bytes)
{
    /// <summary>What the manifest records of it once committed.</summary>
    public CommittedShard Committed => new(Id, File, Rows, Sha256, Bytes.LongLength);
}
