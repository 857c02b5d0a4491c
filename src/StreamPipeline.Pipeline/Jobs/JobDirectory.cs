using StreamPipeline.Data.Files;
using StreamPipeline.Pipeline.Specs;

namespace StreamPipeline.Pipeline.Jobs;

/// <summary>
/// A job directory open for building (<see cref="JobLayout"/>: job.conf, manifest.json + commits.log, data/). Opening a
/// directory with a manifest resumes it: every done shard is verified (size and SHA-256); a damaged or missing one goes
/// back to pending, and everything else in data/ and every temporary file is deleted. A manifest that is not valid —
/// including an entry naming any file but its shard's own inside data/ — is refused before anything is deleted.
/// While open, the directory itself is locked (flock), so a second build is refused even if files are removed.
/// </summary>
public sealed class JobDirectory : IDisposable
{
    private readonly Lock _gate = new();
    private long _commitTicks;
    private int _commits;
    private readonly DirectoryLock _lock;
    private readonly ManifestWriter _writer;

    private JobDirectory(string root, DirectoryLock directoryLock, ManifestWriter writer, bool resumed,
        IReadOnlyList<string> removed, IReadOnlyList<DamagedShard> damaged)
    {
        Root = root;
        _lock = directoryLock;
        _writer = writer;
        Resumed = resumed;
        RemovedLeftovers = removed;
        DamagedShards = damaged;
    }

    public string Root { get; }

    public string DataDir => JobLayout.DataDir(Root);

    /// <summary>True when the directory already held this job's manifest.</summary>
    public bool Resumed { get; }

    /// <summary>Files deleted on open: temporary files and files of shards not recorded done.</summary>
    public IReadOnlyList<string> RemovedLeftovers { get; }

    /// <summary>Shards the manifest listed done whose file was missing or damaged; they are pending again and will be rebuilt.</summary>
    public IReadOnlyList<DamagedShard> DamagedShards { get; }

    /// <summary>Ids of <see cref="DamagedShards"/>.</summary>
    public IReadOnlyList<int> RedoneShards => DamagedShards.Select(d => d.Id).ToArray();

    public Manifest Manifest
    {
        get { lock (_gate) return _writer.Current; }
    }

    /// <summary>The shards still to build, in order.</summary>
    public IReadOnlyList<ShardPlan> PendingShards() => Manifest.PendingShards.Select(s => s.Plan).ToArray();

    /// <summary>
    /// Opens <paramref name="root"/> for this job: creates it when absent or empty, resumes it when it holds this
    /// job's manifest. Throws <see cref="JobSpecMismatchException"/> when it holds another job, <see cref="ArgumentException"/>
    /// when it is not a job directory, cannot be one or is in use, <see cref="DataFormatException"/> for a manifest
    /// that is not valid. A refused directory is left as it was found.
    /// </summary>
    /// <param name="dataFingerprint">The source data's fingerprint: recorded in a new manifest, compared on resume (null skips both).</param>
    public static JobDirectory Open(string root, JobSpec spec, string modelSha256, long totalExamples, string? dataFingerprint = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        root = CheckedPath(root);
        if (File.Exists(root))
            throw new ArgumentException($"job directory {root} is a file");
        var dataDir = JobLayout.DataDir(root);
        if (File.Exists(dataDir))
            throw new ArgumentException($"job directory {root}: {JobLayout.DataDirName} is a file, not a folder of shards");
        var created = !Directory.Exists(root);
        CreateDirectory(root);
        DirectoryLock? held = null;
        try
        {
            held = DirectoryLock.TryAcquire(root)
                   ?? throw new ArgumentException($"job directory {root} is in use by another build (the directory is locked)");
            var removed = new List<string>();
            var damaged = new List<DamagedShard>();
            Manifest manifest;
            bool resumed;
            if (ManifestStore.Exists(root))
            {
                manifest = ManifestStore.Read(root);
                CheckSameJob(root, manifest, spec, modelSha256, totalExamples, dataFingerprint);
                manifest = Recover(root, manifest, removed, damaged);
                resumed = true;
            }
            else
            {
                RefuseStrangers(root);
                RemoveTempFiles(root, removed);
                manifest = Manifest.Create(spec.SpecHash(modelSha256), modelSha256, spec.Data, totalExamples, spec.ShardSize, spec.OutputJson())
                    with { DataFingerprint = dataFingerprint };
                resumed = false;
            }
            // The manifest goes first: a directory with job.conf or data/ but no manifest is never ours.
            var writer = ManifestWriter.Open(root, manifest);
            CreateDirectory(dataDir);
            // job.conf records the spec of the latest run (devices or batch size may change between runs).
            AtomicFile.WriteAllText(JobLayout.SpecPath(root), spec.ToHocon());
            // Earlier versions locked a .lock file; the directory lock replaces it.
            AtomicFile.TryDelete(Path.Combine(root, JobLayout.LegacyLockFileName));
            return new JobDirectory(root, held, writer, resumed, removed, damaged);
        }
        catch
        {
            held?.Dispose();
            if (created)
                TryRemoveEmpty(root);
            throw;
        }
    }

    /// <summary>Reads a job directory's manifest without opening (locking, cleaning) the directory.</summary>
    public static Manifest ReadManifest(string root) => ManifestStore.Read(root);

    /// <summary>
    /// Records a committed shard: checks its file (name, size) and appends the commit to the manifest, durably.
    /// Thread-safe. <paramref name="node"/> and <paramref name="seconds"/> say where and how long it was built.
    /// </summary>
    public Manifest MarkCommitted(CommittedShard committed, string? node = null, double? seconds = null)
    {
        // The manifest records names relative to data/, so a job directory can be moved.
        committed = committed with { File = Path.GetFileName(committed.File) };
        lock (_gate)
        {
            var entry = _writer.Current.ShardAt(committed.Id);
            if (committed.Rows != entry.Count)
                throw new InvalidOperationException($"shard {committed.Id} was committed with {committed.Rows} rows, the shard has {entry.Count}");
            var file = new FileInfo(Path.Combine(DataDir, committed.File));
            if (!file.Exists || file.Length != committed.Bytes)
                throw new InvalidOperationException($"shard {committed.Id}: committed file {file.FullName} is missing or not {committed.Bytes} bytes");
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var manifest = _writer.Commit(entry.AsDone(committed, node, seconds, DateTime.UtcNow));
            _commitTicks += System.Diagnostics.Stopwatch.GetElapsedTime(started).Ticks;
            _commits++;
            return manifest;
        }
    }

    /// <summary>What recording commits has cost so far: commits, manifest bytes written (log lines and compactions), time.</summary>
    public (int Commits, long ManifestBytes, TimeSpan Time, int Compactions) ManifestCost()
    {
        lock (_gate) return (_commits, _writer.BytesWritten, TimeSpan.FromTicks(_commitTicks), _writer.Compactions);
    }

    public void Dispose()
    {
        lock (_gate)
            _writer.Dispose();
        _lock.Dispose();
    }

    private static string CheckedPath(string root)
    {
        try
        {
            var full = Path.GetFullPath(root);
            // Every name the job writes must fit too (data/part-NNNNN.parquet.tmp is the longest).
            foreach (var name in Path.Combine(full, JobLayout.DataDirName, JobLayout.ShardFileName(0, "parquet") + AtomicFile.TempSuffix).Split('/'))
            {
                if (System.Text.Encoding.UTF8.GetByteCount(name) > 255)
                    throw new ArgumentException($"job directory {root}: the name '{Short(name)}' is longer than the file system allows (255 bytes)");
            }
            if (full.Length > 4000)
                throw new ArgumentException($"job directory {Short(root)}: the path is longer than the file system allows");
            return full;
        }
        catch (Exception e) when (e is PathTooLongException or NotSupportedException)
        {
            throw new ArgumentException($"job directory {Short(root)}: not a usable path ({e.Message})", e);
        }
    }

    private static string Short(string text) => text.Length > 60 ? text[..57] + "..." : text;

    private static void CreateDirectory(string path)
    {
        try
        {
            Directory.CreateDirectory(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"cannot create job directory {path}: {e.Message}", e);
        }
    }

    private static void TryRemoveEmpty(string root)
    {
        try
        {
            if (Directory.Exists(root) && !Directory.EnumerateFileSystemEntries(root).Any())
                Directory.Delete(root);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: an empty directory left behind is harmless.
        }
    }

    private static void RefuseStrangers(string root)
    {
        var strangers = Directory.EnumerateFileSystemEntries(root)
            .Select(Path.GetFileName)
            .Where(name => name is not JobLayout.LegacyLockFileName && name != AtomicFile.TempPath(JobLayout.ManifestFileName))
            .ToArray();
        if (strangers.Length > 0)
            throw new ArgumentException($"job directory {root} is not empty and has no {JobLayout.ManifestFileName} (found {strangers[0]}); refusing to build into it");
    }

    private static void CheckSameJob(string root, Manifest manifest, JobSpec spec, string modelSha256, long totalExamples, string? dataFingerprint)
    {
        var differences = new List<string>();
        var before = JobSpec.Flatten(manifest.Spec);
        var now = spec.OutputFields();
        if (before.GetValueOrDefault("format") is { } format && format != now["format"])
            throw new JobSpecMismatchException(
                $"job directory {root} was written in constructed-dataset schema v{format} by another release; this release writes v{now["format"]} " +
                "and will not mix them in one job: its finished shards still read as they are, build again into a new directory",
                [$"format {format} -> {now["format"]}"]);
        string Change(string key) => $"{key} {before.GetValueOrDefault(key, "(unset)")} -> {now.GetValueOrDefault(key, "(unset)")}";
        var changed = before.Keys.Union(now.Keys).Where(k => before.GetValueOrDefault(k) != now.GetValueOrDefault(k)).ToArray();

        var dataChanges = changed.Where(k => k is "data" or "limit").Select(Change).ToList();
        if (manifest.TotalExamples != totalExamples)
            dataChanges.Add($"{manifest.TotalExamples} examples -> {totalExamples}");
        else if (manifest.DataFingerprint is { } before2 && dataFingerprint is not null && !FileChecksum.Same(before2, dataFingerprint))
            dataChanges.Add($"contents fingerprint {FileChecksum.Short(before2)} -> {FileChecksum.Short(dataFingerprint)} (another copy or version of the data)");
        if (dataChanges.Count > 0)
            differences.Add("data: " + string.Join(", ", dataChanges));
        if (!FileChecksum.Same(manifest.ModelSha256, modelSha256))
            differences.Add($"model: sha256 {FileChecksum.Short(manifest.ModelSha256)} -> {FileChecksum.Short(modelSha256)}");
        var specChanges = changed.Where(k => k is not ("data" or "limit")).Select(Change).ToArray();
        if (specChanges.Length > 0)
            differences.Add("spec: " + string.Join(", ", specChanges));
        if (differences.Count == 0 && manifest.SpecHash != spec.SpecHash(modelSha256))
            differences.Add($"spec: hash {FileChecksum.Short(manifest.SpecHash)} -> {FileChecksum.Short(spec.SpecHash(modelSha256))}");
        if (differences.Count > 0)
            throw new JobSpecMismatchException(
                $"job directory {root} holds a different job ({string.Join("; ", differences)}); resume it with its original spec, model and data, or use a new directory",
                differences);
    }

    private static Manifest Recover(string root, Manifest manifest, List<string> removed, List<DamagedShard> damaged)
    {
        var dataDir = JobLayout.DataDir(root);
        var keep = new HashSet<string>(StringComparer.Ordinal);
        foreach (var shard in manifest.DoneShards.ToArray())
        {
            var check = ShardFiles.Check(root, shard);
            if (check == ShardCheck.Intact)
            {
                keep.Add(Path.GetFullPath(ShardFiles.PathOf(root, shard)));
                continue;
            }
            manifest = manifest.WithShard(shard.AsPending());
            damaged.Add(new DamagedShard(shard.Id, ShardFiles.PathOf(root, shard), check, ShardFiles.Describe(check, shard)));
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
