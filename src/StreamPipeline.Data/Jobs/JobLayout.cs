using StreamPipeline.Data.Files;

namespace StreamPipeline.Data.Jobs;

/// <summary>
/// The names inside a job directory: <c>job.conf</c> (the resolved spec), <c>manifest.json</c> and <c>commits.log</c>
/// (the truth), <c>data/part-NNNNN.EXT</c> (the shard files), and the temporary names the program writes them under.
/// The one place these names are spelled: what the program may delete is exactly these names.
/// </summary>
public static class JobLayout
{
    public const string ManifestFileName = "manifest.json";
    public const string CommitLogFileName = "commits.log";
    public const string SpecFileName = "job.conf";
    public const string DataDirName = "data";

    /// <summary>
    /// The lock file, used only where the file system refuses flock(2) on a directory (NFS): there the job directory
    /// is locked through this file instead (earlier versions always used it; it is the job's own, never deleted).
    /// </summary>
    public const string LockFileName = ".lock";

    /// <summary>The files the program writes in the job directory itself (besides <see cref="DataDirName"/>).</summary>
    public static readonly IReadOnlyList<string> RootFileNames = [ManifestFileName, CommitLogFileName, SpecFileName];

    /// <summary>The temporary files of the root files written atomically (<see cref="AtomicFile"/>): manifest.json.tmp, job.conf.tmp.</summary>
    public static readonly IReadOnlyList<string> RootTempFileNames = [AtomicFile.TempPath(ManifestFileName), AtomicFile.TempPath(SpecFileName)];

    public static string ManifestPath(string jobDir) => Path.Combine(jobDir, ManifestFileName);

    public static string CommitLogPath(string jobDir) => Path.Combine(jobDir, CommitLogFileName);

    public static string SpecPath(string jobDir) => Path.Combine(jobDir, SpecFileName);

    public static string DataDir(string jobDir) => Path.Combine(jobDir, DataDirName);

    /// <summary>The file name of shard <paramref name="shardId"/>: <c>part-NNNNN.EXT</c>.</summary>
    public static string ShardFileName(int shardId, string extension) => $"part-{shardId:D5}.{extension.TrimStart('.')}";

    /// <summary>
    /// The temporary name under which a cluster coordinator receives shard <paramref name="shardId"/> delivered under
    /// lease <paramref name="leaseId"/>: <c>part-NNNNN.EXT.LEASE.tmp</c>. A name per lease: a stale upload of a shard can
    /// never share (or replace) a current one's temporary file.
    /// </summary>
    public static string UploadTempFileName(int shardId, string extension, long leaseId) =>
        $"{ShardFileName(shardId, extension)}.{leaseId}{AtomicFile.TempSuffix}";

    /// <summary>The shard file name an upload's temporary name (<see cref="UploadTempFileName"/>) belongs to, or null when <paramref name="name"/> is not one.</summary>
    public static string? ShardFileNameOfUpload(string name)
    {
        if (!name.EndsWith(AtomicFile.TempSuffix, StringComparison.Ordinal))
            return null;
        var stem = name[..^AtomicFile.TempSuffix.Length];
        var dot = stem.LastIndexOf('.');
        if (dot <= 0 || dot == stem.Length - 1 || stem.AsSpan(dot + 1).IndexOfAnyExcept("0123456789") >= 0)
            return null;
        return stem[..dot];
    }

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
