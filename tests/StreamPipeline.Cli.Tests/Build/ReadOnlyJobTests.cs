using StreamPipeline.Cli.Tests.Faults;

namespace StreamPipeline.Cli.Tests.Build;

/// <summary>A finished job is recognised and verified without writing anything (issue 22): on read-only media too.</summary>
[Collection(BuildTestCollection.Name)]
public sealed class ReadOnlyJobTests(TinyModelFixture fixture)
{
    private readonly DetBuild _build = DetBuild.Of(fixture) with { Limit = 48, ShardSize = 16, BatchSize = 16, Steps = 2 };

    [Fact]
    public void A_finished_job_on_a_read_only_file_system_is_verified_and_reported_complete()
    {
        var reference = fixture.ReferenceBuild(_build.Flags());
        using var media = TmpfsMount.Create(fixture.NewJobDirectory("read-only"), "8m");
        var job = TinyModelFixture.Copy(reference, Path.Combine(media.Path, "job"));
        media.RemountReadOnly();
        // The effect, not the flag: root itself cannot write there now.
        Assert.ThrowsAny<IOException>(() => File.WriteAllText(Path.Combine(job, "probe"), "x"));
        var before = DirectorySnapshot.Take(job);

        var result = CliProcess.Run(fixture.Root, _build.Command(job));

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("already complete (3 shards, 48 rows, every shard verified); nothing to do", result.Stderr);
        Assert.Equal(before, DirectorySnapshot.Take(job));
    }
}
