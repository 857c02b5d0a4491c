namespace StreamPipeline.Data.Jobs;

/// <summary>
/// The names inside a job directory: <c>job.conf</c> (the resolved spec), <c>manifest.json</c> and <c>commits.log</c>
/// (the truth), <c>data/part-NNNNN.EXT</c> (the shard files). The one place these names are spelled.
/// </summary>
public static class JobLayout
{
    public const string ManifestFileName = "manifest.json";
    public const string CommitLogFileName = "commits.log";
    public const string SpecFileName = "job.conf";
    public const string DataDirName = "data";

    /// <summary>The lock file of earlier versions; a job directory is now locked with flock(2) on the directory itself.</summary>
    public const string LegacyLockFileName = ".lock";

    public static string ManifestPath(string jobDir) => Path.Combine(jobDir, ManifestFileName);

    public static string CommitLogPath(string jobDir) => Path.Combine(jobDir, CommitLogFileName);

    public static string SpecPath(string jobDir) => Path.Combine(jobDir, SpecFileName);

    public static string DataDir(string jobDir) => Path.Combine(jobDir, DataDirName);

    /// <summary>The file name of shard <paramref name="shardId"/>: <c>part-NNNNN.EXT</c>.</summary>
    public static string ShardFileName(int shardId, string extension) => $"part-{shardId:D5}.{extension.TrimStart('.')}";

    /// <summary>True when <paramref name="file"/> (as the manifest records it, relative to data/) is shard <paramref name="shardId"/>'s own file.</summary>
    public static bool IsShardFileName(string? file, int shardId)
    {
        if (string.IsNullOrEmpty(file))
            return false;
        var prefix = $"part-{shardId:D5}.";
        if (!file.StartsWith(prefix, StringComparison.Ordinal) || file.Length == prefix.Length)
            return false;
        // A plain extension: no separators, no "..", nothing that could name a path outside data/.
        return file.AsSpan(prefix.Length).IndexOfAnyExcept("abcdefghijklmnopqrstuvwxyz0123456789") < 0;
    }
}
