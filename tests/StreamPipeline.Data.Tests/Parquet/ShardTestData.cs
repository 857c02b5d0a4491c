using StreamPipeline.Data.Parquet;

namespace StreamPipeline.Data.Tests.Parquet;

/// <summary>Random constructed rows, complete metadata, temporary folders and the repository root for the Parquet tests.</summary>
internal static class ShardTestData
{
    public static ImageShape Shape(int channels) => channels == 1 ? new ImageShape(1, 6, 5) : new ImageShape(3, 4, 7);

    /// <summary>Rows with random pixels in [0,1] (some exactly 0, 1 and on 8-bit midpoints), random labels, some null start indices.</summary>
    public static ConstructedRow[] RandomRows(int seed, int count, ImageShape shape, int classes = 10, long firstIndex = 0)
    {
        var rng = new Random(seed);
        var rows = new ConstructedRow[count];
        for (int i = 0; i < count; i++)
        {
            var pixels = new float[shape.Size];
            for (int p = 0; p < pixels.Length; p++)
            {
                pixels[p] = rng.Next(8) switch
                {
                    0 => 0f,
                    1 => 1f,
                    2 => (rng.Next(255) + 0.5f) / 255f,
                    _ => rng.NextSingle(),
                };
            }
            rows[i] = new ConstructedRow(
                Index: firstIndex + i,
                Label: rng.Next(classes),
                SourceLabel: rng.Next(classes),
                StartIndex: rng.Next(3) == 0 ? null : rng.NextInt64(0, 1L << 40),
                Pixels: pixels,
                AttackSuccess: rng.Next(2) == 1,
                Distance: rng.NextSingle() * 3f);
        }
        return rows;
    }

    public static ConstructedDatasetMetadata Metadata(ImageShape shape, int classes = 10) => new(
        shape,
        ConstructedDatasetSchema.DefaultClassNames(classes),
        JobSpecJson: """{"construction":"det","eps":0.5,"steps":100}""",
        SpecHash: "spec-0123456789abcdef",
        ModelSha256: new string('a', 64),
        AttackJson: """{"norm":"l2","eps":0.5,"step_size":0.1,"steps":100}""");

    /// <summary>
    /// Writes a job directory by hand: the given shards (all of <paramref name="shardSize"/> rows but the last) as
    /// data/part-NNNNN.parquet and a manifest with <paramref name="committed"/> of them recorded done. Returns the rows.
    /// </summary>
    public static async Task<ConstructedRow[]> WriteJobAsync(string jobDir, ImageShape shape, int shardSize, int total, int[]? committed = null, long firstIndex = 0)
    {
        var data = Directory.CreateDirectory(JobLayout.DataDir(jobDir)).FullName;
        var manifest = Manifest.Create(new string('5', 64), new string('a', 64), "memory:test", total, shardSize, new System.Text.Json.Nodes.JsonObject());
        var rows = new List<ConstructedRow>();
        using var writer = ManifestWriter.Open(jobDir, manifest);
        foreach (var shard in ShardPlanner.Plan(total, shardSize))
        {
            var shardRows = RandomRows(100 + shard.Id, shard.Count, shape, firstIndex: firstIndex + 1000 * (shard.Id + 1));
            rows.AddRange(shardRows);
            if (committed is not null && !committed.Contains(shard.Id))
                continue;
            var file = await ParquetShardWriter.WriteAtomicAsync(Path.Combine(data, JobLayout.ShardFileName(shard.Id, "parquet")), shardRows, Metadata(shape));
            writer.Commit(manifest.ShardAt(shard.Id).AsDone(new CommittedShard(shard.Id, Path.GetFileName(file.Path), file.Rows, file.Sha256, file.Bytes)));
        }
        return [.. rows];
    }


    /// <summary>The folder holding StreamPipeline.sln, found by walking up from the test binaries.</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "StreamPipeline.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"No StreamPipeline.sln above {AppContext.BaseDirectory}.");
    }
}
