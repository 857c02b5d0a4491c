using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace StreamPipeline.Data.Jobs;

/// <summary>
/// The job's source of truth: what the job builds (spec hash, model checksum, data) and every shard with its status.
/// A shard is done only when its file is committed. On disk it is <c>manifest.json</c> (compacted) plus the
/// append-only <c>commits.log</c> (<see cref="ManifestStore"/>), so a commit costs the same in a job of any size.
/// </summary>
/// <param name="Spec">The output-deciding spec fields, to name what differs on a mismatch.</param>
public sealed record Manifest(
    int Version,
    string SpecHash,
    string ModelSha256,
    string DataRef,
    long TotalExamples,
    int ShardSize,
    JsonObject Spec,
    IReadOnlyList<ShardEntry> Shards)
{
    /// <summary>Version 2: <c>commits.log</c> beside the manifest, provenance per shard. Version 1 files are still read.</summary>
    public const int CurrentVersion = 2;

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>A fresh manifest: every shard of [0, totalExamples) pending.</summary>
    public static Manifest Create(string specHash, string modelSha256, string dataRef, long totalExamples, int shardSize, JsonObject outputSpec) => new(
        CurrentVersion,
        specHash,
        modelSha256.ToLowerInvariant(),
        dataRef,
        totalExamples,
        shardSize,
        outputSpec,
        ShardPlanner.Plan(totalExamples, shardSize).Select(ShardEntry.PendingFor).ToImmutableList());

    /// <summary>The source data's <see cref="DatasetFingerprint"/> when the job began (version 2; null in older manifests).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? DataFingerprint { get; init; }

    [JsonIgnore]
    public IEnumerable<ShardEntry> DoneShards => Shards.Where(s => s.IsDone);

    [JsonIgnore]
    public IEnumerable<ShardEntry> PendingShards => Shards.Where(s => !s.IsDone);

    [JsonIgnore]
    public bool IsComplete => Shards.All(s => s.IsDone);

    [JsonIgnore]
    public long RowsDone => DoneShards.Sum(s => s.Rows);

    /// <summary>A copy with shard <c>entry.Id</c> replaced (O(log n): the shard list is persistent).</summary>
    public Manifest WithShard(ShardEntry entry)
    {
        if (entry.Id < 0 || entry.Id >= Shards.Count || Shards[entry.Id].Start != entry.Start || Shards[entry.Id].Count != entry.Count)
            throw new ArgumentException($"shard {entry.Id} [{entry.Start}, {entry.Start + entry.Count}) is not a shard of this manifest");
        var shards = Shards as ImmutableList<ShardEntry> ?? Shards.ToImmutableList();
        return this with { Shards = shards.SetItem(entry.Id, entry) };
    }

    /// <summary>A copy with shard <c>committed.Id</c> marked done.</summary>
    public Manifest WithCommitted(CommittedShard committed) => WithShard(ShardAt(committed.Id).AsDone(committed));

    public ShardEntry ShardAt(int id) => id >= 0 && id < Shards.Count
        ? Shards[id]
        : throw new ArgumentException($"shard {id} is not a shard of this manifest (0..{Shards.Count - 1})");

    public string ToJson() => JsonSerializer.Serialize(this with { Version = CurrentVersion }, JsonOptions);

    /// <summary>Parses and checks a manifest; <paramref name="source"/> names it in the one-line error.</summary>
    public static Manifest FromJson(string json, string source)
    {
        Manifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<Manifest>(json, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new DataFormatException($"{source}: manifest is not valid JSON: {e.Message.Split('\n')[0]}", e);
        }
        if (manifest is null || manifest.Shards is null || manifest.Spec is null || manifest.SpecHash is null
            || manifest.ModelSha256 is null || manifest.DataRef is null || manifest.Shards.Any(s => s is null))
            throw new DataFormatException($"{source}: manifest lacks required fields");
        if (manifest.Version is < 1 or > CurrentVersion)
            throw new DataFormatException($"{source}: manifest version {manifest.Version} is not supported (this program reads 1..{CurrentVersion})");
        if (manifest.ShardSize < 1 || manifest.TotalExamples < 0)
            throw new DataFormatException($"{source}: manifest has {manifest.TotalExamples} examples in shards of {manifest.ShardSize}");
        var expected = ShardPlanner.Plan(manifest.TotalExamples, manifest.ShardSize);
        if (expected.Count != manifest.Shards.Count)
            throw new DataFormatException($"{source}: manifest lists {manifest.Shards.Count} shards, {manifest.TotalExamples} examples in shards of {manifest.ShardSize} make {expected.Count}");
        for (var i = 0; i < expected.Count; i++)
            CheckEntry(manifest.Shards[i], expected[i], source);
        return manifest with { Shards = manifest.Shards.ToImmutableList() };
    }

    /// <summary>
    /// A shard entry must sit at its own place and, when done, name exactly its own file inside data/ with a checksum
    /// and all its rows: anything else is refused before it can make anyone read, trust or delete the wrong file.
    /// </summary>
    internal static void CheckEntry(ShardEntry entry, ShardPlan expected, string source)
    {
        if (entry.Plan != expected)
            throw new DataFormatException($"{source}: manifest shard #{expected.Id} is [{entry.Start}, {entry.Start + entry.Count}) with id {entry.Id}, expected {expected}");
        if (!Enum.IsDefined(entry.Status))
            throw new DataFormatException($"{source}: manifest shard {entry.Id} has an unknown status");
        if (!entry.IsDone)
            return;
        if (!JobLayout.IsShardFileName(entry.File, entry.Id))
            throw new DataFormatException($"{source}: manifest shard {entry.Id} names file '{entry.File}', not its own file {JobLayout.ShardFileName(entry.Id, "EXT")} inside {JobLayout.DataDirName}/");
        if (string.IsNullOrEmpty(entry.Sha256) || entry.Sha256.Length != 64 || !entry.Sha256.All(Uri.IsHexDigit))
            throw new DataFormatException($"{source}: manifest shard {entry.Id} is done but has no valid SHA-256");
        if (entry.Rows != entry.Count || entry.Bytes <= 0)
            throw new DataFormatException($"{source}: manifest shard {entry.Id} is done with {entry.Rows} rows and {entry.Bytes} bytes, expected {entry.Count} rows");
    }
}
