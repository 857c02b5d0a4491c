using StreamPipeline.Data;
using StreamPipeline.Pipeline.Jobs;
using StreamPipeline.Pipeline.Sinks;
using StreamPipeline.Pipeline.Specs;
using StreamPipeline.Pipeline.Tests.TestData;

namespace StreamPipeline.Pipeline.Tests.Jobs;

public class JobDirectoryTests
{
    private const string Model = "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e";

    private static readonly JobSpec Spec = JobSpecLoader.Load(null, new JobSpecOverrides
    {
        Construction = ConstructionKind.Det, Model = "m", Data = "memory:test", ShardSize = 10, Devices = ["cpu"],
    });

    /// <summary>Opens a job whose shards are BinaryShardSink files (part-NNNNN.bin).</summary>
    private static JobDirectory Open(string root, JobSpec? spec = null, string model = Model, long total = 35, string? fingerprint = null) =>
        JobDirectory.Open(root, spec ?? Spec, model, total, fingerprint, BinaryShardSink.Extension);

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

        using var job = Open(root);

        Assert.False(job.Resumed);
        Assert.True(Directory.Exists(job.DataDir));
        Assert.Equal(Spec, JobSpecLoader.Load(JobLayout.SpecPath(root)));
        Assert.Equal([0, 1, 2, 3], job.PendingShards().Select(s => s.Id));
        Assert.Equal(Spec.SpecHash(Model), JobDirectory.ReadManifest(root).SpecHash);
    }

    [Fact]
    public async Task Resume_keeps_done_shards_and_deletes_its_own_leftovers_by_name()
    {
        using var dir = new TempDirectory();
        var root = dir.File("job");
        using (var first = Open(root))
        {
            await Commit(first, 0);
            await Commit(first, 2);
        }
        // What a killed run leaves: a finished-but-unrecorded shard file, a half-written one, a coordinator's upload,
        // the temporary files of manifest.json and job.conf.
        var dataDir = Path.Combine(root, JobLayout.DataDirName);
        File.WriteAllText(Path.Combine(dataDir, "part-00001.bin"), "unrecorded");
        File.WriteAllText(Path.Combine(dataDir, "part-00003.bin.tmp"), "half");
        File.WriteAllText(Path.Combine(dataDir, "part-00001.bin.1733000000000000.tmp"), "upload");
        File.WriteAllText(Path.Combine(root, "manifest.json.tmp"), "{");
        File.WriteAllText(Path.Combine(root, "job.conf.tmp"), "construction");
        var kept0 = File.ReadAllBytes(Path.Combine(dataDir, "part-00000.bin"));

        using var resumed = Open(root);

        Assert.True(resumed.Resumed);
        Assert.Equal([1, 3], resumed.PendingShards().Select(s => s.Id));
        Assert.Equal(["part-00000.bin", "part-00002.bin"], Directory.EnumerateFiles(dataDir).Select(Path.GetFileName).Order());
        Assert.Equal(kept0, File.ReadAllBytes(Path.Combine(dataDir, "part-00000.bin")));
        Assert.Equal(5, resumed.RemovedLeftovers.Count);
        Assert.Empty(JobOutput.TempFiles(root));
    }

    [Fact]
    public async Task Resume_refuses_foreign_entries_naming_them_and_deletes_nothing()
    {
        using var dir = new TempDirectory();
        var root = dir.File("job");
        using (var first = Open(root))
            await Commit(first, 0);
        var dataDir = Path.Combine(root, JobLayout.DataDirName);
        var outside = dir.File("precious.bin");
        File.WriteAllText(outside, "not the job's");
        File.WriteAllText(Path.Combine(dataDir, "notes.txt"), "mine");
        File.CreateSymbolicLink(Path.Combine(dataDir, "part-00001.bin"), outside);
        Directory.CreateDirectory(Path.Combine(root, "extra"));
        var leftover = Path.Combine(dataDir, "part-00003.bin.tmp");
        File.WriteAllText(leftover, "half");
        var before = Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Order().ToArray();

        var error = Assert.Throws<ArgumentException>(() => Open(root));

        Assert.Contains($"holds entries that are not this job's: extra/, data/notes.txt, data/part-00001.bin (a symlink to {outside})", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Equal(before, Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Order().ToArray());
        Assert.Equal("not the job's", File.ReadAllText(outside));
    }

    [Fact]
    public async Task Data_folder_that_is_a_symlink_is_refused_and_what_it_points_to_is_untouched()
    {
        using var dir = new TempDirectory();
        var root = dir.File("job");
        using (var first = Open(root))
            await Commit(first, 0);
        var elsewhere = dir.File("elsewhere");
        Directory.Move(Path.Combine(root, JobLayout.DataDirName), elsewhere);
        File.WriteAllText(Path.Combine(elsewhere, "part-00003.bin.tmp"), "looks like ours");
        Directory.CreateSymbolicLink(Path.Combine(root, JobLayout.DataDirName), elsewhere);

        var error = Assert.Throws<ArgumentException>(() => Open(root));

        Assert.Contains($"data is a symlink (to {elsewhere})", error.Message);
        Assert.True(File.Exists(Path.Combine(elsewhere, "part-00003.bin.tmp")));
        Assert.True(File.Exists(Path.Combine(elsewhere, "part-00000.bin")));
    }

    [Fact]
    public async Task A_finished_job_is_opened_without_writing_anything()
    {
        using var dir = new TempDirectory();
        var root = dir.File("job");
        using (var first = Open(root))
        {
            for (var id = 0; id < 4; id++)
                await Commit(first, id);
        }
        var before = Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Order()
            .Select(p => $"{p} {File.GetLastWriteTimeUtc(p):O} {(File.Exists(p) ? new FileInfo(p).Length : -1)}").ToArray();
        Thread.Sleep(20); // a rewrite would show in the write times

        using (var finished = Open(root, JobSpecLoader.Change(Spec, new() { Devices = ["cpu", "cpu"] })))
        {
            Assert.True(finished.Manifest.IsComplete);
            Assert.Empty(finished.PendingShards());
        }

        Assert.Equal(before, Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Order()
            .Select(p => $"{p} {File.GetLastWriteTimeUtc(p):O} {(File.Exists(p) ? new FileInfo(p).Length : -1)}").ToArray());
    }

    [Fact]
    public async Task Done_shard_whose_file_is_missing_or_truncated_is_redone()
    {
        using var dir = new TempDirectory();
        var root = dir.File("job");
        using (var first = Open(root))
        {
            for (var id = 0; id < 4; id++)
                await Commit(first, id);
        }
        var dataDir = Path.Combine(root, JobLayout.DataDirName);
        File.Delete(Path.Combine(dataDir, "part-00001.bin"));
        var third = Path.Combine(dataDir, "part-00003.bin");
        File.WriteAllBytes(third, File.ReadAllBytes(third)[..^3]);

        using var resumed = Open(root);

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
        using (var first = Open(root))
            await Commit(first, 0);
        var file = Path.Combine(root, JobLayout.DataDirName, "part-00000.bin");
        var bytes = File.ReadAllBytes(file);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(file, bytes);

        using var resumed = Open(root);

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
        using (var first = Open(root))
            await Commit(first, 0);
        var stray = Path.Combine(root, JobLayout.DataDirName, "part-00001.bin.tmp");
        File.WriteAllText(stray, "x");
        var changed = JobSpecLoader.Change(Spec, new() { Eps = 0.25, Seed = 3 });

        var error = Assert.Throws<JobSpecMismatchException>(() => Open(root, changed));

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
        Open(root).Dispose();

        var model = Assert.Throws<JobSpecMismatchException>(() => Open(root, model: Model.Replace('5', '6')));
        var data = Assert.Throws<JobSpecMismatchException>(() => Open(root, JobSpecLoader.Change(Spec, new() { Data = "memory:other" })));
        var count = Assert.Throws<JobSpecMismatchException>(() => Open(root, total: 36));

        Assert.Equal(["model: sha256 5e5e5e5e5e5e -> 6e6e6e6e6e6e"], model.Differences);
        Assert.Equal(["data: data \"memory:test\" -> \"memory:other\""], data.Differences);
        Assert.Equal(["data: 35 examples -> 36"], count.Differences);
    }

    [Fact]
    public void Resume_on_data_with_another_fingerprint_is_refused_and_an_equal_one_accepted()
    {
        using var dir = new TempDirectory();
        var root = dir.File("job");
        Open(root, fingerprint: new string('1', 64)).Dispose();

        var error = Assert.Throws<JobSpecMismatchException>(() => Open(root, fingerprint: new string('2', 64)));
        using var same = Open(root, fingerprint: new string('1', 64));

        Assert.Contains("data: contents fingerprint 111111111111 -> 222222222222", error.Message);
        Assert.Equal(new string('1', 64), JobDirectory.ReadManifest(root).DataFingerprint);
    }

    [Fact]
    public void Devices_and_batch_size_may_change_on_resume()
    {
        using var dir = new TempDirectory();
        var root = dir.File("job");
        Open(root).Dispose();

        using var resumed = Open(root, JobSpecLoader.Change(Spec, new() { Devices = ["cpu", "cpu"], BatchSize = 3 }));

        Assert.True(resumed.Resumed);
        Assert.Equal(["cpu", "cpu"], JobSpecLoader.Load(JobLayout.SpecPath(root)).Devices);
    }

    [Fact]
    public void Non_empty_directory_without_a_manifest_is_refused()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("notes.txt"), "mine");

        var error = Assert.Throws<ArgumentException>(() => Open(dir.Path));

        Assert.Contains("is not empty and has no manifest.json (found notes.txt)", error.Message);
        Assert.False(File.Exists(dir.File("manifest.json")));
    }

    [Fact]
    public void Directory_in_use_by_another_build_is_refused()
    {
        using var dir = new TempDirectory();
        using var first = Open(dir.Path);

        var error = Assert.Throws<ArgumentException>(() => Open(dir.Path));

        Assert.Contains("in use by another build", error.Message);
    }

    [Fact]
    public void Committing_a_shard_whose_file_is_not_in_place_is_refused()
    {
        using var dir = new TempDirectory();
        using var job = Open(dir.Path);

        Assert.Throws<InvalidOperationException>(() => job.MarkCommitted(new CommittedShard(0, "part-00000.bin", 10, "00", 5)));
        Assert.Equal(4, JobDirectory.ReadManifest(dir.Path).PendingShards.Count());
    }

    [Fact]
    public void Shard_plans_of_the_manifest_match_the_planner()
    {
        using var dir = new TempDirectory();
        using var job = Open(dir.Path);

        Assert.Equal(ShardPlanner.Plan(35, 10), job.PendingShards());
    }
}
