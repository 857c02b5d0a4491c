using StreamPipeline.Data.Files;
using StreamPipeline.Pipeline.Specs;

namespace StreamPipeline.Pipeline.Jobs;

/// <summary>
/// A job directory open for building (<see cref="JobLayout"/>: job.conf, manifest.json + commits.log, data/). Opening a
/// directory with a manifest resumes it: every done shard is verified (size and SHA-256); a damaged or missing one goes
/// back to pending. The program deletes only what it wrote, by exact name (<see cref="JobEntries"/>): its temporary
/// files, its upload files and the files of its own shards that are not (or no longer) done. A directory holding
/// anything else — another file or folder, a symlink, a data/ that is a symlink — is refused with the entries named,
/// and so is a manifest that is not valid, before anything is changed. A finished job is verified without writing
/// anything (it may be on read-only media). While open, the directory itself is locked (flock), so a second build is
/// refused even if files are removed; a commit checks that the path still names the locked directory.
/// </summary>
public sealed class JobDirectory : IDisposable
{
    private readonly Lock _gate = new();
    private long _commitTicks;
    private int _commits;
    private readonly DirectoryLock _lock;
    private readonly ManifestWriter? _writer;
    private readonly Manifest _finished;

    private JobDirectory(string root, string shardExtension, DirectoryLock directoryLock, ManifestWriter? writer, Manifest manifest, bool resumed,
        IReadOnlyList<string> removed, IReadOnlyList<DamagedShard> damaged)
    {
        Root = root;
        ShardExtension = shardExtension;
        _lock = directoryLock;
        _writer = writer;
        _finished = manifest;
        Resumed = resumed;
        RemovedLeftovers = removed;
        DamagedShards = damaged;
    }

    public string Root { get; }

    public string DataDir => JobLayout.DataDir(Root);

    /// <summary>The extension of this job's shard files (<c>parquet</c> for the program's builds).</summary>
    public string ShardExtension { get; }

    /// <summary>True when the directory already held this job's manifest.</summary>
    public bool Resumed { get; }

    /// <summary>Files deleted on open: the job's own temporary files and files of its shards not recorded done.</summary>
    public IReadOnlyList<string> RemovedLeftovers { get; }

    /// <summary>Shards the manifest listed done whose file was missing or damaged; they are pending again and will be rebuilt.</summary>
    public IReadOnlyList<DamagedShard> DamagedShards { get; }

    /// <summary>Ids of <see cref="DamagedShards"/>.</summary>
    public IReadOnlyList<int> RedoneShards => DamagedShards.Select(d => d.Id).ToArray();

    public Manifest Manifest
    {
        get { lock (_gate) return _writer?.Current ?? _finished; }
    }

    /// <summary>The shards still to build, in order.</summary>
    public IReadOnlyList<ShardPlan> PendingShards() => Manifest.PendingShards.Select(s => s.Plan).ToArray();

    /// <summary>The final path of shard <paramref name="shardId"/>'s file in data/.</summary>
    public string ShardPath(int shardId) => Path.Combine(DataDir, JobLayout.ShardFileName(shardId, ShardExtension));

    /// <summary>Where a coordinator receives shard <paramref name="shardId"/> delivered under lease <paramref name="leaseId"/> (<see cref="JobLayout.UploadTempFileName"/>).</summary>
    public string UploadTempPath(int shardId, long leaseId) => Path.Combine(DataDir, JobLayout.UploadTempFileName(shardId, ShardExtension, leaseId));

    /// <summary>
    /// Opens <paramref name="root"/> for this job: creates it when absent or empty, resumes it when it holds this
    /// job's manifest. Throws <see cref="JobSpecMismatchException"/> when it holds another job, <see cref="ArgumentException"/>
    /// when it is not a job directory, cannot be one, holds foreign entries or is in use, <see cref="DataFormatException"/>
    /// for a manifest that is not valid. A refused directory is left as it was found.
    /// </summary>
    /// <param name="dataFingerprint">The source data's fingerprint: recorded in a new manifest, compared on resume (null skips both).</param>
    /// <param name="shardExtension">The extension of the shard files the job's sink writes (its own names in data/).</param>
    public static JobDirectory Open(string root, JobSpec spec, string modelSha256, long totalExamples, string? dataFingerprint = null,
        string shardExtension = Sinks.ParquetShardSink.Extension)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        root = CheckedPath(root);
        if (File.Exists(root))
            throw new ArgumentException($"job directory {root} is a file");
        var dataDir = JobLayout.DataDir(root);
        if (new FileInfo(dataDir).LinkTarget is { } target)
            throw new ArgumentException($"job directory {root}: {JobLayout.DataDirName} is a symlink (to {target}); refusing to build through it: " +
                                        "shards are written, and cleaned up, only inside the job directory itself");
        if (File.Exists(dataDir))
            throw new ArgumentException($"job directory {root}: {JobLayout.DataDirName} is a file, not a folder of shards");
        var created = !Directory.Exists(root);
        CreateDirectory(root);
        DirectoryLock? held = null;
        try
        {
            held = DirectoryLock.TryAcquire(root, JobLayout.LockFileName)
                   ?? throw new ArgumentException($"job directory {root} is in use by another build (the directory is locked)");
            var damaged = new List<DamagedShard>();
            Manifest manifest;
            IReadOnlyList<string> leftovers;
            bool resumed;
            if (ManifestStore.Exists(root))
            {
                manifest = ManifestStore.Read(root);
                CheckSameJob(root, manifest, spec, modelSha256, totalExamples, dataFingerprint);
                var foreign = JobEntries.Foreign(root, manifest, shardExtension);
                if (foreign.Count > 0)
                    throw new ArgumentException($"job directory {root} holds entries that are not this job's: {JobEntries.List(foreign)}; " +
                                                "refusing to build into it (the build deletes only its own files): move them out and run again");
                (manifest, leftovers) = Recover(root, manifest, shardExtension, damaged);
                resumed = true;
                // A finished, intact job with nothing to clean up is verified without writing anything (read-only media too).
                if (manifest.IsComplete && leftovers.Count == 0 && damaged.Count == 0)
                    return new JobDirectory(root, shardExtension, held, null, manifest, resumed, [], damaged);
            }
            else
            {
                var strangers = JobEntries.Strangers(root);
                if (strangers.Count > 0)
                    throw new ArgumentException($"job directory {root} is not empty and has no {JobLayout.ManifestFileName} (found {JobEntries.List(strangers)}); refusing to build into it");
                leftovers = JobLayout.RootTempFileNames.Select(name => Path.Combine(root, name)).Where(File.Exists).ToList();
                manifest = Manifest.Create(spec.SpecHash(modelSha256), modelSha256, spec.Data, totalExamples, spec.ShardSize, spec.OutputJson())
                    with { DataFingerprint = dataFingerprint };
                resumed = false;
            }
            foreach (var path in leftovers)
                CommitFailedException.Step(path, "delete", () => File.Delete(path));
            // The manifest goes first: a directory with job.conf or data/ but no manifest is never ours.
            var writer = ManifestWriter.Open(root, manifest);
            try
            {
                CreateDirectory(dataDir);
                // job.conf records the spec of the latest run (devices or batch size may change between runs).
                AtomicFile.WriteAllText(JobLayout.SpecPath(root), spec.ToHocon());
            }
            catch
            {
                writer.Dispose();
                throw;
            }
            return new JobDirectory(root, shardExtension, held, writer, manifest, resumed, leftovers, damaged);
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
    /// Throws <see cref="CommitFailedException"/> when the job directory's path no longer names the directory this
    /// build locked (moved away, removed, or replaced by a copy that another build may lock): writing on would give
    /// one job two writers. Checked before every shard is written and every commit is recorded.
    /// </summary>
    public void EnsureStillLocked()
    {
        if (!_lock.StillAtPath())
            throw new CommitFailedException(Root, "commit",
                "the path no longer names the directory this build locked (it was moved, removed or replaced while the build ran); " +
                "stopping so that two builds never write one job");
    }

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
            var writer = _writer ?? throw new InvalidOperationException($"job {Root} is complete: it takes no more commits");
            // First: in a directory that was swapped away, the file checked below may be another directory's.
            EnsureStillLocked();
            var entry = writer.Current.ShardAt(committed.Id);
            if (committed.Rows != entry.Count)
                throw new InvalidOperationException($"shard {committed.Id} was committed with {committed.Rows} rows, the shard has {entry.Count}");
            var file = new FileInfo(Path.Combine(DataDir, committed.File));
            if (!file.Exists || file.Length != committed.Bytes)
                throw new InvalidOperationException($"shard {committed.Id}: committed file {file.FullName} is missing or not {committed.Bytes} bytes");
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var manifest = writer.Commit(entry.AsDone(committed, node, seconds, DateTime.UtcNow));
            _commitTicks += System.Diagnostics.Stopwatch.GetElapsedTime(started).Ticks;
            _commits++;
            return manifest;
        }
    }

    /// <summary>What recording commits has cost so far: commits, manifest bytes written (log lines and compactions), time.</summary>
    public (int Commits, long ManifestBytes, TimeSpan Time, int Compactions) ManifestCost()
    {
        lock (_gate) return (_commits, _writer?.BytesWritten ?? 0, TimeSpan.FromTicks(_commitTicks), _writer?.Compactions ?? 0);
    }

    /// <summary>
    /// The end of a run that succeeded: folds the commit log into manifest.json. Throws <see cref="CommitFailedException"/>
    /// when that cannot be made durable, so a failing disk is reported even when every shard got in.
    /// </summary>
    public void Close()
    {
        lock (_gate)
            _writer?.Close();
    }

    public void Dispose()
    {
        lock (_gate)
            _writer?.Dispose();
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

    /// <summary>Verifies every done shard; a damaged one goes back to pending. Returns the job's own files to delete (nothing is deleted here).</summary>
    private static (Manifest Manifest, IReadOnlyList<string> Leftovers) Recover(string root, Manifest manifest, string shardExtension, List<DamagedShard> damaged)
    {
        var original = manifest;
        var keep = new HashSet<string>(StringComparer.Ordinal);
        foreach (var shard in manifest.DoneShards.ToArray())
        {
            var check = ShardFiles.Check(root, shard);
            if (check == ShardCheck.Intact)
            {
                keep.Add(shard.File!);
                continue;
            }
            manifest = manifest.WithShard(shard.AsPending());
            damaged.Add(new DamagedShard(shard.Id, ShardFiles.PathOf(root, shard), check, ShardFiles.Describe(check, shard)));
        }
        // Own names come from the manifest as read: a damaged shard's file is still the job's own, to delete.
        return (manifest, JobEntries.Leftovers(root, original, shardExtension, keep));
    }
}
