using StreamPipeline.Data.Files;

namespace StreamPipeline.Data.Jobs;

/// <summary>
/// Checks committed shard files against the manifest before anyone trusts them: existence, size and the full SHA-256
/// (same-size corruption is only visible to the checksum, so there is no size-only fast path). Every reader of a job —
/// resume, inspect, <c>parquet:JOBDIR</c> — goes through here.
/// </summary>
public static class ShardFiles
{
    /// <summary>The path of a done shard's file; the manifest has already checked that the name is the shard's own.</summary>
    public static string PathOf(string jobDir, ShardEntry entry) =>
        entry.IsDone ? Path.Combine(JobLayout.DataDir(jobDir), entry.File!) : throw new ArgumentException($"shard {entry.Id} is not done");

    public static ShardCheck Check(string jobDir, ShardEntry entry)
    {
        var file = new FileInfo(PathOf(jobDir, entry));
        if (!file.Exists)
            return ShardCheck.Missing;
        if (file.Length != entry.Bytes)
            return ShardCheck.WrongSize;
        return FileChecksum.Same(FileChecksum.Sha256Of(file.FullName), entry.Sha256) ? ShardCheck.Intact : ShardCheck.WrongChecksum;
    }

    /// <summary>Checks bytes already read from a shard's file (a reader that loads whole files verifies them for free).</summary>
    public static ShardCheck Check(ReadOnlySpan<byte> bytes, ShardEntry entry) =>
        bytes.Length != entry.Bytes ? ShardCheck.WrongSize
        : FileChecksum.Same(FileChecksum.Sha256Of(bytes), entry.Sha256) ? ShardCheck.Intact
        : ShardCheck.WrongChecksum;

    /// <summary>Throws a one-line <see cref="DataFormatException"/> naming the file unless the shard is intact.</summary>
    public static void RequireIntact(string jobDir, ShardEntry entry) => Require(Check(jobDir, entry), jobDir, entry);

    public static void Require(ShardCheck check, string jobDir, ShardEntry entry)
    {
        if (check != ShardCheck.Intact)
            throw new DataFormatException($"{PathOf(jobDir, entry)}: {Describe(check, entry)}; the job's data is damaged (run `build` on {jobDir} to rebuild the shard)");
    }

    /// <summary>What is wrong, in words, e.g. "SHA-256 differs from the manifest's (same size: the bytes changed)".</summary>
    public static string Describe(ShardCheck check, ShardEntry entry) => check switch
    {
        ShardCheck.Intact => "intact",
        ShardCheck.Missing => $"committed shard {entry.Id} is missing",
        ShardCheck.WrongSize => $"committed shard {entry.Id} is not the {entry.Bytes:N0} bytes the manifest records",
        ShardCheck.WrongChecksum => $"committed shard {entry.Id} does not match the SHA-256 the manifest records (same size: its bytes changed)",
        _ => throw new ArgumentOutOfRangeException(nameof(check), check, null),
    };
}
