using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using StreamPipeline.Data;
using StreamPipeline.Pipeline.Planning;
using StreamPipeline.Pipeline.Sinks;
using StreamPipeline.Pipeline.Specs;

namespace StreamPipeline.Pipeline.Jobs;

/// <summary>
/// The job's source of truth (<c>JOBDIR/manifest.json</c>): what the job builds (spec hash, model checksum, data)
/// and every shard with its status. A shard is done only when its file is committed; the manifest is rewritten
/// atomically after each commit.
/// </summary>
/// <param name="Spec">The output-deciding spec fields (<see cref="JobSpec.OutputJson"/>), to name what differs on a mismatch.</param>
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
    public const int CurrentVersion = 1;

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>A fresh manifest: every shard of [0, totalExamples) pending.</summary>
    public static Manifest Create(JobSpec spec, string modelSha256, long totalExamples) => new(
        CurrentVersion,
        spec.SpecHash(modelSha256),
        modelSha256.ToLowerInvariant(),
        spec.Data,
        totalExamples,
        spec.ShardSize,
        spec.OutputJson(),
        ShardPlanner.Plan(totalExamples, spec.ShardSize).Select(ShardEntry.PendingFor).ToArray());

    [JsonIgnore]
    public IEnumerable<ShardEntry> DoneShards => Shards.Where(s => s.IsDone);

    [JsonIgnore]
    public IEnumerable<ShardEntry> PendingShards => Shards.Where(s => !s.IsDone);

    [JsonIgnore]
    public bool IsComplete => Shards.All(s => s.IsDone);

    [JsonIgnore]
    public long RowsDone => DoneShards.Sum(s => s.Rows);

    /// <summary>A copy with shard <c>entry.Id</c> replaced.</summary>
    public Manifest WithShard(ShardEntry entry)
    {
        if (entry.Id < 0 || entry.Id >= Shards.Count || Shards[entry.Id].Start != entry.Start || Shards[entry.Id].Count != entry.Count)
            throw new ArgumentException($"shard {entry.Id} [{entry.Start}, {entry.Start + entry.Count}) is not a shard of this manifest");
        var shards = Shards.ToArray();
        shards[entry.Id] = entry;
        return this with { Shards = shards };
    }

    /// <summary>A copy with shard <c>committed.Id</c> marked done.</summary>
    public Manifest WithCommitted(CommittedShard committed) => WithShard(ShardAt(committed.Id).AsDone(committed));

    public ShardEntry ShardAt(int id) => id >= 0 && id < Shards.Count
        ? Shards[id]
        : throw new ArgumentException($"shard {id} is not a shard of this manifest (0..{Shards.Count - 1})");

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Writes the manifest atomically (temporary file, fsync, rename).</summary>
    public void Write(string path) => AtomicFile.WriteAllText(path, ToJson());

    public static Manifest Read(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (FileNotFoundException e)
        {
            throw new DataFormatException($"{path}: manifest not found", e);
        }
        return FromJson(json, path);
    }

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
            || manifest.ModelSha256 is null || manifest.DataRef is null)
            throw new DataFormatException($"{source}: manifest lacks required fields");
        if (manifest.Version != CurrentVersion)
            throw new DataFormatException($"{source}: manifest version {manifest.Version} is not supported (expected {CurrentVersion})");
        var expected = ShardPlanner.Plan(manifest.TotalExamples, manifest.ShardSize);
        if (expected.Count != manifest.Shards.Count)
            throw new DataFormatException($"{source}: manifest lists {manifest.Shards.Count} shards, {manifest.TotalExamples} examples in shards of {manifest.ShardSize} make {expected.Count}");
        for (var i = 0; i < expected.Count; i++)
        {
            var entry = manifest.Shards[i];
            if (entry.Plan != expected[i])
                throw new DataFormatException($"{source}: manifest shard #{i} is [{entry.Start}, {entry.Start + entry.Count}) with id {entry.Id}, expected {expected[i]}");
            if (entry.IsDone && (string.IsNullOrEmpty(entry.File) || string.IsNullOrEmpty(entry.Sha256) || entry.Rows != entry.Count))
                throw new DataFormatException($"{source}: manifest shard {entry.Id} is done but lacks its file, checksum or {entry.Count} rows");
        }
        return manifest;
    }
}
