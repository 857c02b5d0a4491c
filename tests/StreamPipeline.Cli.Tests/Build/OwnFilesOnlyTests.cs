namespace StreamPipeline.Cli.Tests.Build;

/// <summary>
/// "Delete only what you wrote" (issue 22), through the real program: a build deletes its own temporary files and
/// unfinished shards by exact name, and refuses — exit 2, one line naming the entries, nothing changed — a job whose
/// data/ is a symlink or whose folders hold anything that is not the job's, finished or not.
/// </summary>
[Collection(BuildTestCollection.Name)]
public sealed class OwnFilesOnlyTests(TinyModelFixture fixture)
{
    // Shard 1's second batch fails (no retries): the build stops with shard 0 at most committed.
    private static readonly FaultSpec Failing = new("[\"cpu\"]", "fail-every-nth-batch = 2", MaxRetries: 0, Limit: 48, BatchSize: 16, ShardSize: 16);

    private string[] Resume(string job) => ["build", job, .. Failing.WithoutFaults().Flags(fixture)];

    private string FinishedJob(string name) => fixture.CopyOf(fixture.ReferenceBuild(Failing.WithoutFaults().Flags(fixture)), name);

    private string UnfinishedJob(string name)
    {
        var job = fixture.NewJobDirectory(name);
        var failed = CliProcess.Run(fixture.Root, ["build", job, .. Failing.Flags(fixture)]);
        Assert.True(failed.ExitCode == 1, failed.Stderr);
        Assert.Contains(JobManifest.Read(job).Shards, s => !s.IsDone);
        return job;
    }

    private string Job(bool finished, string name) => finished ? FinishedJob(name) : UnfinishedJob(name);

    private static string OneErrorLine(CliProcess.Result result)
    {
        Assert.True(result.ExitCode == 2, $"exit {result.ExitCode}: {result.Stderr}");
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.DoesNotContain(lines, l => l.StartsWith("at ", StringComparison.Ordinal));
        return Assert.Single(lines, l => l.StartsWith("error:", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_job_whose_data_is_a_symlink_is_refused_and_the_folder_it_points_to_keeps_every_file(bool finished)
    {
        var job = Job(finished, "linked");
        var elsewhere = fixture.NewJobDirectory("elsewhere");
        Directory.Move(Path.Combine(job, "data"), elsewhere);
        var notes = Path.Combine(elsewhere, "notes.txt");
        File.WriteAllText(notes, "my precious notes");
        Directory.CreateSymbolicLink(Path.Combine(job, "data"), elsewhere);
        var before = DirectorySnapshot.Take(job).Concat(DirectorySnapshot.Take(elsewhere)).ToList();

        var refused = CliProcess.Run(fixture.Root, Resume(job));

        var error = OneErrorLine(refused);
        Assert.Contains("data is a symlink", error);
        Assert.Contains(elsewhere, error);
        Assert.Equal("my precious notes", File.ReadAllText(notes));
        Assert.Equal(before, DirectorySnapshot.Take(job).Concat(DirectorySnapshot.Take(elsewhere)).ToList());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_foreign_file_in_data_is_refused_by_name_and_nothing_changes(bool finished)
    {
        var job = Job(finished, "foreign-data");
        var notes = Path.Combine(job, "data", "notes.txt");
        File.WriteAllText(notes, "my precious notes");
        // An own leftover beside it: not deleted either, since the whole directory is refused before any change.
        File.WriteAllText(Path.Combine(job, "data", "part-00002.parquet.tmp"), "half written");
        var before = DirectorySnapshot.Take(job);

        var refused = CliProcess.Run(fixture.Root, Resume(job));

        var error = OneErrorLine(refused);
        Assert.Contains("not this job's: data/notes.txt", error);
        Assert.DoesNotContain("part-00002", error);
        Assert.Equal(before, DirectorySnapshot.Take(job));
    }

    [Fact]
    public void Foreign_entries_in_the_job_root_and_a_symlink_named_like_a_shard_are_refused_by_name_and_nothing_changes()
    {
        var job = FinishedJob("foreign-root");
        var outside = fixture.NewJobDirectory("outside") + ".parquet";
        File.WriteAllText(outside, "not the job's");
        File.WriteAllText(Path.Combine(job, "README.md"), "what this job is for");
        Directory.CreateDirectory(Path.Combine(job, "plots"));
        File.CreateSymbolicLink(Path.Combine(job, "data", "part-00001.parquet.tmp"), outside);
        var before = DirectorySnapshot.Take(job);

        var refused = CliProcess.Run(fixture.Root, Resume(job));

        var error = OneErrorLine(refused);
        Assert.Contains($"README.md, plots/, data/part-00001.parquet.tmp (a symlink to {outside})", error);
        Assert.Equal(before, DirectorySnapshot.Take(job));
        Assert.Equal("not the job's", File.ReadAllText(outside));
    }

    [Fact]
    public void Resume_deletes_exactly_its_own_leftovers_and_ends_equal_to_an_uninterrupted_build()
    {
        var job = UnfinishedJob("leftovers");
        var pending = JobManifest.Read(job).Shards.First(s => !s.IsDone).Id;
        // What killed runs leave: a shard's temporary file, a committed-but-unrecorded shard, a coordinator's upload,
        // and the temporary files of the manifest and the spec.
        string[] leftovers =
        [
            Path.Combine(job, "data", $"part-{pending:D5}.parquet.tmp"),
            Path.Combine(job, "data", $"part-{pending:D5}.parquet"),
            Path.Combine(job, "data", $"part-{pending:D5}.parquet.1733000000000001.tmp"),
            Path.Combine(job, "manifest.json.tmp"),
            Path.Combine(job, "job.conf.tmp"),
        ];
        foreach (var path in leftovers)
            File.WriteAllText(path, "left behind");

        var resumed = CliProcess.Run(fixture.Root, Resume(job));

        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        // The shard file is built again under its name: what is there now must not be the leftover.
        Assert.All(leftovers, path => Assert.False(File.Exists(path) && File.ReadAllText(path) == "left behind", $"{path} was left"));
        var manifest = JobManifest.Read(job);
        manifest.AssertConsistentWith(job);
        Assert.Equal(
            JobManifest.Read(fixture.ReferenceBuild(Failing.WithoutFaults().Flags(fixture))).Done.ToDictionary(s => s.Id, s => s.Sha256),
            manifest.Done.ToDictionary(s => s.Id, s => s.Sha256));
    }
}
