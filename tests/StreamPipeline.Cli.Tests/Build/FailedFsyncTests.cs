using StreamPipeline.Cli.Tests.Faults;

namespace StreamPipeline.Cli.Tests.Build;

/// <summary>
/// A failed fsync fails the commit loudly (issue 22): with fsync made to fail (LD_PRELOAD, <see cref="FsyncFault"/>)
/// on commits.log, a shard's temporary file, manifest.json's or the data folder, the real build exits 1 with one line
/// naming the file and the error, never says complete, and records done only shards that verify; export-model exits
/// non-zero and leaves no file under the final name.
/// </summary>
[Collection(BuildTestCollection.Name)]
public sealed class FailedFsyncTests(TinyModelFixture fixture)
{
    private readonly DetBuild _build = DetBuild.Of(fixture) with { Limit = 48, ShardSize = 16, BatchSize = 16, Steps = 2 };

    private static string OneFailureLine(CliProcess.Result result)
    {
        Assert.True(result.ExitCode == 1, $"exit {result.ExitCode}: {result.Stderr}");
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.DoesNotContain(lines, l => l.StartsWith("at ", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("complete", StringComparison.Ordinal));
        return Assert.Single(lines, l => l.StartsWith("failed:", StringComparison.Ordinal));
    }

    /// <param name="glob">The files whose fsync fails (fnmatch, '*' spans folders).</param>
    /// <param name="skip">Matching fsyncs let through first (commits.log and manifest.json are first synced when the job opens).</param>
    /// <param name="file">The file the error line must name, relative to the job directory.</param>
    /// <param name="recorded">What the manifest may record done: "none" (the first commit failed), "not 1" (shard 1's commit failed), "all" (every commit is durable in commits.log; the final fold into manifest.json failed).</param>
    [Theory]
    [InlineData("*/commits.log", 1, "EIO", "commits.log", "Input/output error", "none")]
    [InlineData("*/commits.log", 1, "ENOSPC", "commits.log", "No space left on device", "none")]
    [InlineData("*/data/part-00001.parquet.tmp", 0, "EIO", "data/part-00001.parquet.tmp", "Input/output error", "not 1")]
    [InlineData("*/manifest.json.tmp", 1, "EIO", "manifest.json.tmp", "Input/output error", "all")]
    [InlineData("*/data", 0, "EIO", "data", "Input/output error", "none")]
    public void A_build_whose_fsync_fails_exits_1_naming_the_file_and_records_only_durable_shards(string glob, int skip, string errno, string file, string error, string recorded)
    {
        var job = fixture.NewJobDirectory("fsync");
        var fault = FsyncFault.On(glob, fixture.Root, errno, skip);

        var failed = CliProcess.Run(fixture.Root, TimeSpan.FromMinutes(3), fault.Environment, _build.Command(job));

        Assert.NotEmpty(fault.Fired);
        Assert.Equal($"failed: {Path.Combine(job, file)}: fsync failed: {error}", OneFailureLine(failed));
        // Every shard the manifest records done is on disk as recorded; the one whose commit failed is not among them.
        var manifest = JobManifest.Read(job);
        switch (recorded)
        {
            case "none": Assert.Empty(manifest.Done); break;
            case "not 1": Assert.False(manifest.Shards[1].IsDone, "shard 1's commit failed, yet it is recorded done"); break;
            default: Assert.All(manifest.Shards, s => Assert.True(s.IsDone)); break;
        }
        foreach (var shard in manifest.Done)
            Assert.Equal(shard.Sha256, JobManifest.Sha256Of(Path.Combine(job, "data", shard.File!)));

        var resumed = CliProcess.Run(fixture.Root, _build.Command(job));

        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        JobManifest.Read(job).AssertConsistentWith(job);
    }

    [Fact]
    public void Export_model_whose_fsync_fails_exits_non_zero_and_leaves_no_file()
    {
        var output = fixture.NewJobDirectory("exported") + ".pt";
        var fault = FsyncFault.On("*/" + Path.GetFileName(output) + ".tmp", fixture.Root);

        var failed = CliProcess.Run(fixture.Root, TimeSpan.FromMinutes(2), fault.Environment, "export-model", fixture.Model, "--out", output);

        Assert.NotEmpty(fault.Fired);
        Assert.NotEqual(0, failed.ExitCode);
        Assert.Contains($"{output}.tmp: fsync failed: Input/output error", failed.Stderr);
        Assert.DoesNotContain("wrote", failed.Stderr);
        Assert.False(File.Exists(output), "export-model left a file under the final name");
        Assert.False(File.Exists(output + ".tmp"), "export-model left its temporary file");
    }
}
