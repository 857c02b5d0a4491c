using System.Text;
using System.Text.Json;

namespace StreamPipeline.Data.Jobs;

/// <summary>
/// Reads a job's manifest as it stands: <c>manifest.json</c> (compacted) with the commits of <c>commits.log</c>
/// replayed over it. A last line cut short by a crash is not a commit and is ignored; anything else malformed, or two
/// different commits of one shard, is refused. Read-only: takes no lock and changes nothing.
/// </summary>
public static class ManifestStore
{
    public static bool Exists(string jobDir) => File.Exists(JobLayout.ManifestPath(jobDir));

    /// <exception cref="DataFormatException">No manifest, or a manifest or commit log that is not valid.</exception>
    public static Manifest Read(string jobDir)
    {
        var path = JobLayout.ManifestPath(jobDir);
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DataFormatException($"{InputText.Show(path)}: manifest not found (is {InputText.Show(jobDir)} a job directory?)", e);
        }
        var manifest = Manifest.FromJson(json, path);
        var (entries, _) = ReadLog(JobLayout.CommitLogPath(jobDir), manifest);
        foreach (var entry in entries)
            manifest = Apply(manifest, entry, JobLayout.CommitLogPath(jobDir));
        return manifest;
    }

    /// <summary>The complete entries of a commit log, and the length of its complete lines (what a writer keeps).</summary>
    internal static (IReadOnlyList<ShardEntry> Entries, long CompleteBytes) ReadLog(string logPath, Manifest manifest)
    {
        if (!File.Exists(logPath))
            return ([], 0);
        var bytes = File.ReadAllBytes(logPath);
        var entries = new List<ShardEntry>();
        var plans = manifest.Shards;
        long at = 0;
        var line = 0;
        while (at < bytes.Length)
        {
            var end = Array.IndexOf(bytes, (byte)'\n', (int)at);
            if (end < 0)
                break; // a torn last line: the commit it was writing never completed
            line++;
            var text = Encoding.UTF8.GetString(bytes, (int)at, end - (int)at);
            at = end + 1;
            if (text.Length == 0)
                continue;
            ShardEntry? entry;
            try
            {
                entry = JsonSerializer.Deserialize<ShardEntry>(text, Manifest.JsonOptions);
            }
            catch (JsonException e)
            {
                throw new DataFormatException($"{logPath}: line {line} is not a shard commit: {e.Message.Split('\n')[0]}", e);
            }
            if (entry is null || !entry.IsDone || entry.Id < 0 || entry.Id >= plans.Count)
                throw new DataFormatException($"{logPath}: line {line} is not a commit of a shard of this job");
            Manifest.CheckEntry(entry, plans[entry.Id].Plan, $"{logPath}: line {line}");
            entries.Add(entry);
        }
        return (entries, at);
    }

    internal static Manifest Apply(Manifest manifest, ShardEntry entry, string source)
    {
        var current = manifest.ShardAt(entry.Id);
        if (current.IsDone)
        {
            // The same commit twice is a compaction interrupted before the log was emptied; two different ones are not.
            if (!current.SameCommitAs(entry))
                throw new DataFormatException($"{source}: shard {entry.Id} is committed twice with different files or checksums");
            return manifest;
        }
        return manifest.WithShard(entry);
    }
}
