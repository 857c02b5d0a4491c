using StreamPipeline.Data.Files;

namespace StreamPipeline.Pipeline.Jobs;

/// <summary>
/// What is in a job directory, sorted by whose it is. The job's own entries are exactly the names of
/// <see cref="JobLayout"/>: in the root its files, their temporary files and data/ (a real folder); in data/ the shard
/// files of the job's own plan (<c>part-NNNNN.EXT</c>, those the manifest records), their <c>.tmp</c> files and a
/// coordinator's upload files (<c>part-NNNNN.EXT.LEASE.tmp</c>) — each a regular file, never a symlink. Everything
/// else is foreign: never deleted, never written over; a build refuses the directory while it holds any.
/// </summary>
internal static class JobEntries
{
    /// <summary>The foreign entries of a job directory holding <paramref name="manifest"/>, as paths relative to it (a folder ends in '/').</summary>
    public static IReadOnlyList<string> Foreign(string root, Manifest manifest, string shardExtension)
    {
        var foreign = new List<string>();
        foreach (var entry in Entries(root))
        {
            var own = entry.Name == JobLayout.DataDirName
                ? entry is DirectoryInfo && entry.LinkTarget is null
                : IsRegularFile(entry) && (JobLayout.RootFileNames.Contains(entry.Name) || JobLayout.RootTempFileNames.Contains(entry.Name)
                                           || entry.Name == JobLayout.LockFileName);
            if (!own)
                foreign.Add(Describe(entry, entry.Name));
        }
        var dataDir = JobLayout.DataDir(root);
        if (Directory.Exists(dataDir) && new DirectoryInfo(dataDir).LinkTarget is null)
        {
            var shardNames = ShardNames(manifest, shardExtension);
            foreach (var entry in Entries(dataDir))
            {
                if (!(IsRegularFile(entry) && IsOwnDataName(entry.Name, shardNames)))
                    foreign.Add(Describe(entry, $"{JobLayout.DataDirName}/{entry.Name}"));
            }
        }
        return foreign;
    }

    /// <summary>
    /// The job's own files that are not (or no longer) part of its result, to delete on resume: temporary files,
    /// upload files, and shard files other than <paramref name="keep"/> (the verified done shards' files). Only names
    /// <see cref="Foreign"/> found to be the job's own are ever returned.
    /// </summary>
    public static IReadOnlyList<string> Leftovers(string root, Manifest manifest, string shardExtension, IReadOnlySet<string> keep)
    {
        var leftovers = JobLayout.RootTempFileNames.Select(name => Path.Combine(root, name)).Where(File.Exists).ToList();
        var dataDir = JobLayout.DataDir(root);
        if (!Directory.Exists(dataDir))
            return leftovers;
        var shardNames = ShardNames(manifest, shardExtension);
        foreach (var entry in Entries(dataDir))
        {
            if (IsRegularFile(entry) && IsOwnDataName(entry.Name, shardNames) && !keep.Contains(entry.Name))
                leftovers.Add(entry.FullName);
        }
        return leftovers;
    }

    /// <summary>
    /// The entries of a directory without a manifest that a build may not take over: anything but what a first run
    /// killed at its very start leaves (manifest.json.tmp) and the lock file of earlier versions.
    /// </summary>
    public static IReadOnlyList<string> Strangers(string root) =>
        Entries(root)
            .Where(entry => !(IsRegularFile(entry) && (entry.Name == JobLayout.LockFileName || entry.Name == AtomicFile.TempPath(JobLayout.ManifestFileName))))
            .Select(entry => Describe(entry, entry.Name))
            .ToList();

    /// <summary>Names for a one-line message: the first few, then how many more.</summary>
    public static string List(IReadOnlyList<string> names, int shown = 5) =>
        string.Join(", ", names.Take(shown)) + (names.Count > shown ? $" and {names.Count - shown} more" : "");

    private static IEnumerable<FileSystemInfo> Entries(string directory) =>
        new DirectoryInfo(directory).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal);

    private static bool IsRegularFile(FileSystemInfo entry) => entry is FileInfo && entry.LinkTarget is null;

    private static HashSet<string> ShardNames(Manifest manifest, string shardExtension)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var shard in manifest.Shards)
        {
            names.Add(JobLayout.ShardFileName(shard.Id, shardExtension));
            if (shard.IsDone)
                names.Add(shard.File!);
        }
        return names;
    }

    private static bool IsOwnDataName(string name, HashSet<string> shardNames) =>
        shardNames.Contains(name)
        || (name.EndsWith(AtomicFile.TempSuffix, StringComparison.Ordinal) && shardNames.Contains(name[..^AtomicFile.TempSuffix.Length]))
        || (JobLayout.ShardFileNameOfUpload(name) is { } shard && shardNames.Contains(shard));

    private static string Describe(FileSystemInfo entry, string relative) =>
        entry.LinkTarget is { } target ? $"{relative} (a symlink to {target})"
        : entry is DirectoryInfo ? relative + "/"
        : entry is FileInfo ? relative
        : $"{relative} (not a regular file)";
}
