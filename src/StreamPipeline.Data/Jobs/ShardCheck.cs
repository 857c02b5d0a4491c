namespace StreamPipeline.Data.Jobs;

/// <summary>What a done shard's file looks like against its manifest entry.</summary>
public enum ShardCheck
{
    /// <summary>Present, the recorded size and the recorded SHA-256.</summary>
    Intact,
    Missing,
    /// <summary>Present but of another size than recorded (truncated, appended to, replaced).</summary>
    WrongSize,
    /// <summary>The recorded size but other bytes (bit rot, a bad copy): only the checksum sees this.</summary>
    WrongChecksum,
}
