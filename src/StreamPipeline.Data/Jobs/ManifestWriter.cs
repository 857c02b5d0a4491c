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

    /// <summary>Records shard <c>entry.Id</c> done; durable when this returns.</summary>
    public Manifest Commit(ShardEntry entry)
    {
        if (!entry.IsDone)
            throw new ArgumentException($"shard {entry.Id}: only done shards are committed");
        Manifest.CheckEntry(entry, Current.ShardAt(entry.Id).Plan, "commit");
        if (Current.ShardAt(entry.Id).IsDone)
            throw new InvalidOperationException($"shard {entry.Id} is already committed");
        var line = JsonSerializer.SerializeToUtf8Bytes(entry, CompactOptions);
        _log.Write(line);
        _log.WriteByte((byte)'\n');
        _log.Flush(flushToDisk: true);
        BytesWritten += line.Length + 1;
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
        var json = Encoding.UTF8.GetBytes(Current.ToJson());
        AtomicFile.WriteAllBytes(JobLayout.ManifestPath(_jobDir), json);
        BytesWritten += json.Length;
        _log?.Dispose();
        _log = new FileStream(JobLayout.CommitLogPath(_jobDir), FileMode.Create, FileAccess.Write, FileShare.Read);
        _log.Flush(flushToDisk: true);
        _logEntries = 0;
        Compactions++;
    }

    /// <summary>Closes the log; a clean close folds it into manifest.json first, so the manifest alone tells the truth.</summary>
    public void Dispose()
    {
        if (_log is null)
            return;
        if (_logEntries > 0)
            Compact();
        _log.Dispose();
        _log = null!;
    }

    private static readonly JsonSerializerOptions CompactOptions = new(Manifest.JsonOptions) { WriteIndented = false };
}
