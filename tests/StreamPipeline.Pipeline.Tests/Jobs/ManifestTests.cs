using StreamPipeline.Data;
using StreamPipeline.Pipeline.Specs;
using StreamPipeline.Pipeline.Tests.TestData;

namespace StreamPipeline.Pipeline.Tests.Jobs;

public class ManifestTests
{
    private const string Model = "ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12";

    private static readonly JobSpec Spec = JobSpecLoader.Load(null, new JobSpecOverrides { Construction = ConstructionKind.Rand, Model = "m", Data = "memory:test", ShardSize = 10 });

    private static readonly string ShaA = new('a', 64), ShaC = new('c', 64);

    private static Manifest Fresh() => Manifest.Create(Spec.SpecHash(Model), Model, Spec.Data, 35, Spec.ShardSize, Spec.OutputJson());

    private static Manifest WithTwoDone() => Fresh()
        .WithCommitted(new CommittedShard(0, "part-00000.bin", 10, ShaA, 111))
        .WithCommitted(new CommittedShard(2, "part-00002.bin", 10, ShaC, 333));

    [Fact]
    public void Manifest_round_trips_through_json()
    {
        var manifest = WithTwoDone();

        var read = Manifest.FromJson(manifest.ToJson(), "test");

        Assert.Equal(manifest.ToJson(), read.ToJson());
        Assert.Equal((Spec.SpecHash(Model), Model, "memory:test", 35L, 10), (read.SpecHash, read.ModelSha256, read.DataRef, read.TotalExamples, read.ShardSize));
        Assert.Equal([0, 2], read.DoneShards.Select(s => s.Id));
        Assert.Equal([1, 3], read.PendingShards.Select(s => s.Id));
        Assert.Equal(new ShardEntry(2, 20, 10, ShardStatus.Done, 10, "part-00002.bin", ShaC, 333), read.Shards[2]);
        Assert.Equal(5, read.Shards[3].Count);
        Assert.Contains("\"status\": \"done\"", manifest.ToJson());
    }

    [Fact]
    public void Manifest_writer_commits_are_read_back_and_leave_no_temp_file()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(Path.Combine(dir.Path, "manifest.json.tmp"), "{ half-written by a crashed run");
        using (var writer = ManifestWriter.Open(dir.Path, Fresh()))
        {
            writer.Commit(Fresh().ShardAt(0).AsDone(new CommittedShard(0, "part-00000.bin", 10, ShaA, 111)));
            writer.Commit(Fresh().ShardAt(2).AsDone(new CommittedShard(2, "part-00002.bin", 10, ShaC, 333)));
        }

        Assert.Equal(WithTwoDone().ToJson(), ManifestStore.Read(dir.Path).ToJson());
        Assert.Empty(JobOutput.TempFiles(dir.Path));
    }

    [Fact]
    public void Corrupt_manifest_is_reported_in_one_line_naming_the_file()
    {
        var error = Assert.Throws<DataFormatException>(() => Manifest.FromJson("{\"version\": 1, \"shards\": [", "/jobs/x/manifest.json"));

        Assert.StartsWith("/jobs/x/manifest.json: manifest is not valid JSON", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Manifest_whose_shards_do_not_tile_the_range_is_refused()
    {
        var json = WithTwoDone().ToJson().Replace("\"start\": 20", "\"start\": 21");

        var error = Assert.Throws<DataFormatException>(() => Manifest.FromJson(json, "m.json"));

        Assert.Contains("shard #2", error.Message);
    }

    [Fact]
    public void Marking_an_unknown_shard_done_is_refused()
    {
        Assert.Throws<ArgumentException>(() => Fresh().WithCommitted(new CommittedShard(4, "part-00004.bin", 10, ShaA, 1)));
    }
}
