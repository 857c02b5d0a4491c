using System.Security.Cryptography;
using System.Text.Json;

namespace StreamPipeline.Cli.Tests.Build;

/// <summary>
/// A job directory's manifest read as plain JSON (not through the product's types): manifest.json with the shard
/// commits of commits.log (one JSON object per complete line) applied over it; and checks on it.
/// </summary>
public sealed record JobManifest(string SpecHash, string ModelSha256, long TotalExamples, IReadOnlyList<JobManifest.Shard> Shards)
{
    /// <summary>One shard entry; <see cref="File"/>, <see cref="Sha256"/> and <see cref="Bytes"/> are set when done.</summary>
    public sealed record Shard(int Id, long Start, int Count, string Status, long Rows, string? File, string? Sha256, long Bytes)
    {
        public bool IsDone => Status == "done";
    }

    public IEnumerable<Shard> Done => Shards.Where(s => s.IsDone);

    public static string PathIn(string jobDir) => Path.Combine(jobDir, "manifest.json");

    public static JobManifest Read(string jobDir)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(PathIn(jobDir)));
        var root = json.RootElement;
        var shards = root.GetProperty("shards").EnumerateArray().Select(ShardOf).ToList();
        var log = Path.Combine(jobDir, "commits.log");
        if (File.Exists(log))
        {
            var text = File.ReadAllText(log);
            // Only complete lines are commits; a crash may leave a torn last one.
            foreach (var line in text[..(text.LastIndexOf('\n') + 1)].Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                using var commit = JsonDocument.Parse(line);
                var shard = ShardOf(commit.RootElement);
                shards[shard.Id] = shard;
            }
        }
        return new JobManifest(
            root.GetProperty("spec_hash").GetString()!, root.GetProperty("model_sha256").GetString()!,
            root.GetProperty("total_examples").GetInt64(), shards);
    }

    private static Shard ShardOf(JsonElement s) => new(
        s.GetProperty("id").GetInt32(),
        s.GetProperty("start").GetInt64(),
        s.GetProperty("count").GetInt32(),
        s.GetProperty("status").GetString()!,
        s.GetProperty("rows").GetInt64(),
        s.GetProperty("file").GetString(),
        s.GetProperty("sha256").GetString(),
        s.GetProperty("bytes").GetInt64());

    /// <summary>
    /// The number of done shards while a build may be rewriting the manifest (it is replaced by rename, so a read sees
    /// a whole file, but it may not exist yet); 0 before the first manifest.
    /// </summary>
    public static int DoneCountWhileRunning(string jobDir)
    {
        try
        {
            return File.Exists(PathIn(jobDir)) ? Read(jobDir).Done.Count() : 0;
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return 0;
        }
    }

    /// <summary>
    /// The manifest tells the truth about data/: every done shard's file exists with the recorded size, rows and SHA-256,
    /// and data/ holds nothing else (no temporary files, no files of unfinished shards).
    /// </summary>
    public void AssertConsistentWith(string jobDir)
    {
        var dataDir = Path.Combine(jobDir, "data");
        foreach (var shard in Done)
        {
            var path = Path.Combine(dataDir, shard.File!);
            Assert.True(System.IO.File.Exists(path), $"manifest lists shard {shard.Id} done but {path} is missing");
            Assert.Equal(shard.Bytes, new FileInfo(path).Length);
            Assert.Equal(shard.Count, shard.Rows);
            Assert.Equal(shard.Sha256, Sha256Of(path));
        }
        var listed = Done.Select(s => s.File!).Order(StringComparer.Ordinal).ToArray();
        var present = Directory.Exists(dataDir)
            ? Directory.EnumerateFileSystemEntries(dataDir).Select(p => Path.GetFileName(p)!).Order(StringComparer.Ordinal).ToArray()
            : [];
        Assert.Equal(listed, present);
        Assert.Empty(Directory.EnumerateFiles(jobDir, "*.tmp", SearchOption.AllDirectories));
    }

    public static string Sha256Of(string path)
    {
        using var stream = System.IO.File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
