using StreamPipeline.Data;
using StreamPipeline.Pipeline.Jobs;
using StreamPipeline.Pipeline.Specs;
using StreamPipeline.Pipeline.Tests.TestData;

namespace StreamPipeline.Pipeline.Tests.Jobs;

public class JobDirectoryTests
{
    private const string Model = "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e";

    private static readonly JobSpec Spec = new JobSpec { Construction = ConstructionKind.Det, Model = "m", Data = "memory:test", ShardSize = 10, Devices = ["cpu"] }.Validated();

    private static async Task Commit(JobDirectory job, int shardId)
    {
        var shard = job.Manifest.ShardAt(shardId).Plan;
        var rows = Enumerable.Range(0, shard.Count)
            .Select(i => new ConstructedRow(shard.Start + i, 1, 0, null, new[] { 0.5f, 0.25f }, true, 0.1f)).ToList();
        job.MarkCommitted(await new BinaryShardSink().CommitAsync(shard, rows, job.DataDir, CancellationToken.None));
    }

    [Fact]
    public void New_directory_gets_a_manifest_its_spec_and_a_data_folder()
    {
        using var dir = new TempDirectory();
        var root = dir.File("job");

        using var job = JobDirectory.Open(root, Spec, Model, 35);

        Assert.False(job.Resumed);
        Assert.True(Directory.Exists(job.DataDir));
        Assert.Equal(Spec, JobSpecLoader.Load(JobLayout.SpecPath(root)));
        Assert.Equal([0, 1, 2, 3], job.PendingShards().Select(s => s.Id));
        Assert.Equal(Spec.SpecHash(Model), JobDirectory.ReadManifest(root).SpecHash);
    }

    [Fact]
    public async Task Resume_keeps_done_shards_and_deletes_leftovers()
    {
        using var dir = new TempDirectory();
        var root = dir.File("job");
        using (var first = JobDirectory.Open(root, Spec, Model, 35))
        {
            await Commit(first, 0);
            await Commit(first, 2);
        }
        // What a killed run leaves: a finished-but-unrecorded shard file, a half-written one, a manifest temp file.
        var dataDir = Path.Combine(root, JobLayout.DataDirName);
        File.WriteAllText(Path.Combine(dataDir, "part-00001.bin"), "unrecorded");
        File.WriteAllText(Path.Combine(dataDir, "part-00003.bin.tmp"), "half");
        File.WriteAllText(Path.Combine(root, "manifest.json.tmp"), "{");
        var kept0 = File.ReadAllBytes(Path.Combine(dataDir, "part-00000.bin"));

        using var resumed = JobDirectory.Open(root, Spec, Model, 35);

        Assert.True(resumed.Resumed);
        Assert.Equal([1, 3], resumed.PendingShards().Select(s => s.Id));
        Assert.Equal(["part-00000.bin", "part-00002.bin"], Directory.EnumerateFiles(dataDir).Select(Path.GetFileName).Order());
        Assert.Equal(kept0, File.ReadAllBytes(Path.Combine(dataDir, "part-00000.bin")));
        Assert.Equal(3, resumed.RemovedLeftovers.Count);
        Assert.Empty(JobOutput.TempFiles(root));
    }

    [Fact]
    public async Task Done_shard_whose_file_is_missing_or_truncated_is_redone()
    {
        using var dir = new TempDirectory();
        var root = dir.File("job");
        using (var first = JobDirectory.Open(root, Spec, Model, 35))
        {
            for (var id = 0; id < 4; id++)
                await Commit(first, id);
        }
        var dataDir = Path.Combine(root, JobLayout.DataDirName);
        File.Delete(Path.Combine(dataDir, "part-00001.bin"));
        var third = Path.Combine(dataDir, "part-00003.bin");
        File.WriteAllBytes(third, File.ReadAllBytes(third)[..^3]);

        using var resumed = JobDirectory.Open(root, Spec, Model, 35);

        Assert.Equal([1, 3], resumed.RedoneShards);
        Assert.Equal([1, 3], resumed.PendingShards().Select(s => s.Id));
        Assert.False(File.Exists(third));
        Assert.Equal([1, 3], JobDirectory.ReadManifest(root).PendingShards.Select(s => s.Id));
    }

    [Fact]
    public async Task Resume_rebuilds_a_shard_corrupted_without_changing_its_size()
    {
        using var dir = new TempDirectory();
        var root = dir.File("job");
        using (var first = JobDirectory.Open(root, Spec, Model, 35))
            await Commit(first, 0);
        var file = Path.Combine(root, JobLayout.DataDirName, "part-00000.bin");
        var bytes = File.ReadAllBytes(file);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(file, bytes);

        using var resumed = JobDirectory.Open(root, Spec, Model, 35);

        Assert.Equal([0], resumed.RedoneShards);
        Assert.Equal(ShardCheck.WrongChecksum, resumed.DamagedShards[0].Check);
        Assert.False(File.Exists(file));
        Assert.Contains(0, resumed.PendingShards().Select(s => s.Id));
    }

    [Fact]
    public async Task Different_spec_is_refused_naming_what_differs_and_nothing_is_touched()
    {
        using var dir = new TempDirectory();
        var root = dir.File("job");
        using (var first = JobDirectory.Open(root, Spec, Model, 35))
            await Commit(first, 0);
        var stray = Path.Combine(root, JobLayout.DataDirName, "part-00001.bin.tmp");
        File.WriteAllText(stray, "x");
        var changed = Spec with { Attack = Spec.Attack with { Eps = 0.25 }, Seed = 3 };

        var error = Assert.Throws<JobSpecMismatchException>(() => JobDirectory.Open(root, changed, Model, 35));

        Assert.Contains("holds a different job (spec: attack.eps 0.5 -> 0.25, seed 0 -> 3)", error.Message);
        Assert.Equal(["spec: attack.eps 0.5 -> 0.25, seed 0 -> 3"], error.Differences);
        Assert.DoesNotContain('\n', error.Message);
        Assert.True(File.Exists(stray));
    }

    [Fact]
    public void Different_model_or_data_is_refused_naming_which()
    {
        using var dir = new TempDirectory();
        var root = dir.File("job");
        JobDirectory.Open(root, Spec, Model, 35).Dispose();

        var model = Assert.Throws<JobSpecMismatchException>(() => JobDirectory.Open(root, Spec, Model.Replace('5', '6'), 35));
        var data = Assert.Throws<JobSpecMismatchException>(() => JobDirectory.Open(root, Spec with { Data = "memory:other" }, Model, 35));
        var count = Assert.Throws<JobSpecMismatchException>(() => JobDirectory.Open(root, Spec, Model, 36));

        Assert.Equal(["model: sha256 5e5e5e5e5e5e -> 6e6e6e6e6e6e"], model.Differences);
        Assert.Equal(["data: data \"memory:test\" -> \"memory:other\""], data.Differences);
        Assert.Equal(["data: 35 examples -> 36"], count.Differences);
    }

    [Fact]
    public void Resume_on_data_with_another_fingerprint_is_refused_and_an_equal_one_accepted()
    {
        using var dir = new TempDirectory();
        var root = dir.File("job");
        JobDirectory.Open(root, Spec, Model, 35, dataFingerprint: new string('1', 64)).Dispose();

        var error = Assert.Throws<JobSpecMismatchException>(() => JobDirectory.Open(root, Spec, Model, 35, dataFingerprint: new string('2', 64)));
        using var same = JobDirectory.Open(root, Spec, Model, 35, dataFingerprint: new string('1', 64));

        Assert.Contains("data: contents fingerprint 111111111111 -> 222222222222", error.Message);
        Assert.Equal(new string('1', 64), JobDirectory.ReadManifest(root).DataFingerprint);
    }

    [Fact]
    public void Devices_and_batch_size_may_change_on_resume()
    {
        using var dir = new TempDirectory();
        var root = dir.File("job");
        JobDirectory.Open(root, Spec, Model, 35).Dispose();

        using var resumed = JobDirectory.Open(root, Spec with { Devices = ["cpu", "cpu"], BatchSize = 3 }, Model, 35);

        Assert.True(resumed.Resumed);
        Assert.Equal(["cpu", "cpu"], JobSpecLoader.Load(JobLayout.SpecPath(root)).Devices);
    }

    [Fact]
    public void Non_empty_directory_without_a_manifest_is_refused()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("notes.txt"), "mine");

        var error = Assert.Throws<ArgumentException>(() => JobDirectory.Open(dir.Path, Spec, Model, 35));

        Assert.Contains("is not empty and has no manifest.json (found notes.txt)", error.Message);
        Assert.False(File.Exists(dir.File("manifest.json")));
    }

    [Fact]
    public void Directory_in_use_by_another_build_is_refused()
    {
        using var dir = new TempDirectory();
        using var first = JobDirectory.Open(dir.Path, Spec, Model, 35);

        var error = Assert.Throws<ArgumentException>(() => JobDirectory.Open(dir.Path, Spec, Model, 35));

        Assert.Contains("in use by another build", error.Message);
    }

    [Fact]
    public void Committing_a_shard_whose_file_is_not_in_place_is_refused()
    {
        using var dir = new TempDirectory();
        using var job = JobDirectory.Open(dir.Path, Spec, Model, 35);

        Assert.Throws<InvalidOperationException>(() => job.MarkCommitted(new CommittedShard(0, "part-00000.bin", 10, "00", 5)));
        Assert.Equal(4, JobDirectory.ReadManifest(dir.Path).PendingShards.Count());
    }

    [Fact]
    public void Shard_plans_of_the_manifest_match_the_planner()
    {
        using var dir = new TempDirectory();
        using var job = JobDirectory.Open(dir.Path, Spec, Model, 35);

        Assert.Equal(ShardPlanner.Plan(35, 10), job.PendingShards());
    }
}
