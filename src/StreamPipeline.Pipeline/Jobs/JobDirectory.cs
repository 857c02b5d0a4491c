using StreamPipeline.Pipeline.Planning;
using StreamPipeline.Pipeline.Sinks;
using StreamPipeline.Pipeline.Specs;

namespace StreamPipeline.Pipeline.Jobs;

/// <summary>
/// A job directory: <c>job.conf</c> (the resolved spec), <c>manifest.json</c> (the truth), <c>data/</c> (shard files).
/// Opening a directory with a manifest resumes it: done shards whose file is intact are kept, everything else in
/// <c>data/</c> and every <c>*.tmp</c> is deleted. A directory held by another job is refused. While open, the
/// directory is locked (<c>.lock</c>) against a second build.
/// </summary>
public sealed class JobDirectory : IDisposable
{
    public const string ManifestFileName = "manifest.json";
    public const string SpecFileName = "job.conf";
    public const string DataDirName = "data";
    public const string LockFileName = ".lock";

    private readonly object _gate = new();
    private readonly FileStream _lock;
    private Manifest _manifest;

    private JobDirectory(string root, FileStream lockStream, Manifest manifest, bool resumed, IReadOnlyList<string> removed, IReadOnlyList<int> redone)
    {
        Root = root;
        _lock = lockStream;
        _manifest = manifest;
        Resumed = resumed;
        RemovedLeftovers = removed;
        RedoneShards = redone;
    }

    public string Root { get; }

    public string ManifestPath => Path.Combine(Root, ManifestFileName);

    public string SpecPath => Path.Combine(Root, SpecFileName);

    public string DataDir => Path.Combine(Root, DataDirName);

    /// <summary>True when the directory already held this job's manifest.</summary>
    public bool Resumed { get; }

    /// <summary>Files deleted on open: temporary files and files of shards not recorded done.</summary>
    public IReadOnlyList<string> RemovedLeftovers { get; }

    /// <summary>Shards the manifest listed done whose file was missing or damaged; they are pending again.</summary>
    public IReadOnlyList<int> RedoneShards { get; }

    public Manifest Manifest
    {
        get { lock (_gate) return _manifest; }
    }

    /// <summary>The shards still to build, in order.</summary>
    public IReadOnlyList<ShardPlan> PendingShards() => Manifest.PendingShards.Select(s => s.Plan).ToArray();

    /// <summary>
    /// Opens <paramref name="root"/> for this job: creates it when absent or empty, resumes it when it holds this
    /// job's manifest. Throws <see cref="JobSpecMismatchException"/> when it holds another job and
    /// <see cref="ArgumentException"/> when it is not a job directory or is in use.
    /// </summary>
    /// <param name="verifyChecksums">Also re-hash done shard files (reads every file); by default only sizes are checked.</param>
    public static JobDirectory Open(string root, JobSpec spec, string modelSha256, long totalExamples, bool verifyChecksums = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        root = Path.GetFullPath(root);
        if (File.Exists(root))
            throw new ArgumentException($"job directory {root} is a file");
        Directory.CreateDirectory(root);
        var lockPath = Path.Combine(root, LockFileName);
        var createdLock = !File.Exists(lockPath);
        var lockStream = AcquireLock(root);
        try
        {
            var manifestPath = Path.Combine(root, ManifestFileName);
            var removed = new List<string>();
            var redone = new List<int>();
            Manifest manifest;
            bool resumed;
            if (File.Exists(manifestPath))
            {
                manifest = Manifest.Read(manifestPath);
                CheckSameJob(root, manifest, spec, modelSha256, totalExamples);
                manifest = Recover(root, manifest, verifyChecksums, removed, redone);
                resumed = true;
            }
            else
            {
                var strangers = Directory.EnumerateFileSystemEntries(root)
                    .Select(Path.GetFileName)
                    .Where(name => name is not LockFileName && name != ManifestFileName + AtomicFile.TempSuffix)
                    .ToArray();
                if (strangers.Length > 0)
                    throw new ArgumentException($"job directory {root} is not empty and has no {ManifestFileName} (found {strangers[0]}); refusing to build into it");
                RemoveTempFiles(root, removed);
                manifest = Manifest.Create(spec, modelSha256, totalExamples);
                resumed = false;
            }
            // The manifest goes first: a directory with job.conf or data/ but no manifest is never ours.
            manifest.Write(manifestPath);
            Directory.CreateDirectory(Path.Combine(root, DataDirName));
            // job.conf records the spec of the latest run (devices or batch size may change between runs).
            AtomicFile.WriteAllText(Path.Combine(root, SpecFileName), spec.ToHocon());
            return new JobDirectory(root, lockStream, manifest, resumed, removed, redone);
        }
        catch
        {
            // A refused directory is left as it was found, without a lock file that this call created. Deleted while
            // still locked, so no other build can have taken the lock on it in between.
            if (createdLock)
                AtomicFile.TryDelete(lockPath);
            lockStream.Dispose();
            throw;
        }
    }

    /// <summary>Reads a job directory's manifest without opening (locking, cleaning) the directory.</summary>
    public static Manifest ReadManifest(string root) => Manifest.Read(Path.Combine(root, ManifestFileName));

    /// <summary>Records a committed shard: checks its file and rewrites the manifest atomically. Thread-safe.</summary>
    public Manifest MarkCommitted(CommittedShard committed)
    {
        // The manifest records names relative to data/, so a job directory can be moved.
        committed = committed with { File = Path.GetRelativePath(DataDir, Path.Combine(DataDir, committed.File)) };
        lock (_gate)
        {
            var entry = _manifest.ShardAt(committed.Id);
            if (committed.Rows != entry.Count)
                throw new InvalidOperationException($"shard {committed.Id} was committed with {committed.Rows} rows, the shard has {entry.Count}");
            var file = new FileInfo(Path.Combine(DataDir, committed.File));
            if (!file.Exists || file.Length != committed.Bytes)
                throw new InvalidOperationException($"shard {committed.Id}: committed file {file.FullName} is missing or not {committed.Bytes} bytes");
            var next = _manifest.WithCommitted(committed);
            next.Write(ManifestPath);
            _manifest = next;
            return next;
        }
    }

    public void Dispose() => _lock.Dispose();

    private static FileStream AcquireLock(string root)
    {
        var path = Path.Combine(root, LockFileName);
        try
        {
            // FileShare.None takes an exclusive lock on the file (flock on Unix): a second build of the same
            // directory, in this process or another, fails here; the OS drops the lock if the process dies.
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new ArgumentException($"job directory {root} is in use by another build ({LockFileName} is locked)", e);
        }
    }

    private static void CheckSameJob(string root, Manifest manifest, JobSpec spec, string modelSha256, long totalExamples)
    {
        var differences = new List<string>();
        var before = JobSpec.Flatten(manifest.Spec);
        var now = spec.OutputFields();
        string Change(string key) => $"{key} {before.GetValueOrDefault(key, "(unset)")} -> {now.GetValueOrDefault(key, "(unset)")}";
        var changed = before.Keys.Union(now.Keys).Where(k => before.GetValueOrDefault(k) != now.GetValueOrDefault(k)).ToArray();

        var dataChanges = changed.Where(k => k is "data" or "limit").Select(Change).ToList();
        if (manifest.TotalExamples != totalExamples)
            dataChanges.Add($"{manifest.TotalExamples} examples -> {totalExamples}");
        if (dataChanges.Count > 0)
            differences.Add("data: " + string.Join(", ", dataChanges));
        if (!string.Equals(manifest.ModelSha256, modelSha256, StringComparison.OrdinalIgnoreCase))
            differences.Add($"model: sha256 {Short(manifest.ModelSha256)} -> {Short(modelSha256)}");
        var specChanges = changed.Where(k => k is not ("data" or "limit")).Select(Change).ToArray();
        if (specChanges.Length > 0)
            differences.Add("spec: " + string.Join(", ", specChanges));
        if (differences.Count == 0 && manifest.SpecHash != spec.SpecHash(modelSha256))
            differences.Add($"spec: hash {Short(manifest.SpecHash)} -> {Short(spec.SpecHash(modelSha256))}");
        if (differences.Count > 0)
            throw new JobSpecMismatchException(
                $"job directory {root} holds a different job ({string.Join("; ", differences)}); resume it with its original spec, model and data, or use a new directory",
                differences);
    }

    private static string Short(string sha) => sha.Length > 12 ? sha[..12] : sha;

    private static Manifest Recover(string root, Manifest manifest, bool verifyChecksums, List<string> removed, List<int> redone)
    {
        var dataDir = Path.Combine(root, DataDirName);
        var keep = new HashSet<string>(StringComparer.Ordinal);
        foreach (var shard in manifest.DoneShards.ToArray())
        {
            var path = Path.Combine(dataDir, shard.File!);
            var file = new FileInfo(path);
            var intact = file.Exists && file.Length == shard.Bytes
                         && (!verifyChecksums || string.Equals(FileChecksum.Sha256Of(path), shard.Sha256, StringComparison.OrdinalIgnoreCase));
            if (intact)
            {
                keep.Add(file.FullName);
                continue;
            }
            manifest = manifest.WithShard(shard.AsPending());
            redone.Add(shard.Id);
        }
        RemoveTempFiles(root, removed);
        if (Directory.Exists(dataDir))
        {
            foreach (var path in Directory.EnumerateFiles(dataDir))
            {
                if (keep.Contains(Path.GetFullPath(path)))
                    continue;
                File.Delete(path);
                removed.Add(path);
            }
        }
        return manifest;
    }

    private static void RemoveTempFiles(string root, List<string> removed)
    {
        foreach (var path in Directory.EnumerateFiles(root, "*" + AtomicFile.TempSuffix))
        {
            File.Delete(path);
            removed.Add(path);
        }
    }
}
