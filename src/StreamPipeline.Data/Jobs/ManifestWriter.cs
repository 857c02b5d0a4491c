using System.Text;
using System.Text.Json;
using StreamPipeline.Data.Files;

namespace StreamPipeline.Data.Jobs;

/// <summary>
/// The single writer of a job's manifest (its owner holds the job directory's lock). A commit appends one line to
/// <c>commits.log</c> and fsyncs it: its cost does not grow with the job. The log is folded into <c>manifest.json</c>
/// (written atomically, then the log emptied) on open, on a clean close, and whenever it holds as many lines as half the
/// job's shards (at least 1,024): a job of n shards is rewritten a constant number of times, so the bytes written per
/// commit stay flat however large the job (amortised O(1)). Not thread-safe.
/// </summary>
public sealed class ManifestWriter : IDisposable
{
    private const int MinCompactEntries = 1024;
    private readonly string _jobDir;
    private FileStream _log;
    private int _logEntries;
    private CommitFailedException? _failure;

    private ManifestWriter(string jobDir, Manifest manifest)
    {
        _jobDir = jobDir;
        Current = manifest;
        _log = null!;
        Compact();
    }

    public Manifest Current { get; private set; }

    /// <summary>Bytes written to commits.log and manifest.json by this writer (for the scale simulation's cost figures).</summary>
    public long BytesWritten { get; private set; }

    /// <summary>Compactions done by this writer (the one on open included).</summary>
    public int Compactions { get; private set; }

    /// <summary>Takes over <paramref name="manifest"/> (already read and recovered): writes it compacted and opens an empty log.</summary>
    public static ManifestWriter Open(string jobDir, Manifest manifest) => new(jobDir, manifest);

    /// <summary>
    /// Records shard <c>entry.Id</c> done; durable when this returns. When the line cannot be written and fsynced
    /// (<see cref="CommitFailedException"/>), the shard is not recorded, the line is cut off the log again as far as the
    /// disk lets it, and the writer takes no more commits: after a failed fsync nothing written since is to be trusted.
    /// </summary>
    public Manifest Commit(ShardEntry entry)
    {
        if (!entry.IsDone)
            throw new ArgumentException($"shard {entry.Id}: only done shards are committed");
        Manifest.CheckEntry(entry, Current.ShardAt(entry.Id).Plan, "commit");
        if (Current.ShardAt(entry.Id).IsDone)
            throw new InvalidOperationException($"shard {entry.Id} is already committed");
        ThrowIfFailed();
        var line = JsonSerializer.SerializeToUtf8Bytes(entry, CompactOptions);
        var record = new byte[line.Length + 1];
        line.CopyTo(record, 0);
        record[^1] = (byte)'\n';
        var before = _log.Length;
        try
        {
            CommitFailedException.Step(_log.Name, "write", () => _log.Write(record));
            FileSync.Flush(_log);
        }
        catch (CommitFailedException e)
        {
            _failure = e;
            try
            {
                _log.SetLength(before);
            }
            catch (Exception ignored) when (ignored is IOException or UnauthorizedAccessException)
            {
                // The line may stay; its shard file is verified by checksum before a resume trusts it.
            }
            throw;
        }
        BytesWritten += record.Length;
        Current = Current.WithShard(entry);
        // The manifest holds every shard (done or not), so compacting every n/2 commits writes ~2n entries per n commits.
        if (++_logEntries >= Math.Max(MinCompactEntries, Current.Shards.Count / 2))
            Compact();
        return Current;
    }

    /// <summary>Replaces a shard's entry (e.g. a damaged shard made pending again) and compacts at once.</summary>
    public Manifest Replace(ShardEntry entry)
    {
        Current = Current.WithShard(entry);
        Compact();
        return Current;
    }

    /// <summary>Writes manifest.json with every commit so far, then empties the log (a crash between the two replays the same commits: harmless).</summary>
    public void Compact()
    {
        ThrowIfFailed();
        try
        {
            var json = Encoding.UTF8.GetBytes(Current.ToJson());
            AtomicFile.WriteAllBytes(JobLayout.ManifestPath(_jobDir), json);
            BytesWritten += json.Length;
            _log?.Dispose();
            _log = null!;
            var path = JobLayout.CommitLogPath(_jobDir);
            // Unbuffered: a commit's line reaches write(2) at once, so a failed write leaves nothing buffered behind.
            _log = CommitFailedException.Step(path, "create", () => new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0));
            FileSync.Flush(_log);
        }
        catch (CommitFailedException e)
        {
            _failure = e;
            throw;
        }
        _logEntries = 0;
        Compactions++;
    }

    /// <summary>
    /// Folds the log into manifest.json, so the manifest alone tells the truth: the end of a run that succeeded. Throws
    /// <see cref="CommitFailedException"/> when that cannot be made durable (the log still holds every commit).
    /// </summary>
    public void Close()
    {
        ThrowIfFailed();
        if (_logEntries > 0)
            Compact();
    }

    /// <summary>
    /// Closes the log, folding it into manifest.json first when it can. A fold that fails here (a run that failed
    /// already, e.g. on a full disk) is left undone and not reported again: the log still holds every commit, and the
    /// first failure is the one to report. After a failed commit nothing more is written.
    /// </summary>
    public void Dispose()
    {
        if (_log is null)
            return;
        if (_logEntries > 0 && _failure is null)
        {
            try
            {
                Compact();
            }
            catch (CommitFailedException)
            {
                // The log is intact (manifest.json is replaced before the log is emptied): nothing is lost.
            }
        }
        _log?.Dispose();
        _log = null!;
    }

    private void ThrowIfFailed()
    {
        if (_failure is not null)
            throw new CommitFailedException(_failure.Path, _failure.Operation, "an earlier commit failed; no more are recorded", _failure);
    }

    private static readonly JsonSerializerOptions CompactOptions = new(Manifest.JsonOptions) { WriteIndented = false };
}
