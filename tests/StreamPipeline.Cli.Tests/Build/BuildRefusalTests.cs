namespace StreamPipeline.Cli.Tests.Build;

/// <summary>A build refuses a directory it must not write into: exit 2, one line saying why, nothing changed.</summary>
[Collection(BuildTestCollection.Name)]
public sealed class BuildRefusalTests(TinyModelFixture fixture)
{
    private readonly DetBuild _build = DetBuild.Of(fixture) with { Limit = 48, ShardSize = 16, BatchSize = 16, Steps = 3 };

    private static string OneErrorLine(CliProcess.Result result)
    {
        Assert.Equal(2, result.ExitCode);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.DoesNotContain(lines, l => l.StartsWith("at ", StringComparison.Ordinal));
        return Assert.Single(lines, l => l.StartsWith("error:", StringComparison.Ordinal));
    }

    [Fact]
    public void Resume_with_a_different_eps_is_refused_naming_the_difference_and_changes_nothing()
    {
        var jobDir = fixture.NewJobDirectory("eps");
        var first = CliProcess.Run(fixture.Root, _build.Command(jobDir));
        Assert.True(first.ExitCode == 0, first.Stderr);
        var before = DirectorySnapshot.Take(jobDir);

        var refused = CliProcess.Run(fixture.Root, (_build with { Eps = 0.25 }).Command(jobDir));

        var error = OneErrorLine(refused);
        Assert.Contains("attack.eps 1 -> 0.25", error);
        Assert.Contains(Path.GetFileName(jobDir), error);
        Assert.Equal(before, DirectorySnapshot.Take(jobDir));
    }

    [Fact]
    public void Resume_of_an_unfinished_job_with_a_different_eps_is_refused_and_changes_nothing()
    {
        // A job stopped by a failure (as after a crash): the refusal must not clean up or touch its shards either.
        var jobDir = fixture.NewJobDirectory("eps-unfinished");
        var spec = new FaultSpec("[\"cpu\"]", "fail-every-nth-batch = 2", MaxRetries: 0, Limit: 48, BatchSize: 16, ShardSize: 16);
        var failed = CliProcess.Run(fixture.Root, ["build", jobDir, .. spec.Flags(fixture)]);
        Assert.Equal(1, failed.ExitCode);
        var before = DirectorySnapshot.Take(jobDir);

        var refused = CliProcess.Run(fixture.Root, ["build", jobDir, "--eps", "0.25", "--threads", "1", "--metrics", "none"]);

        Assert.Contains("attack.eps 1 -> 0.25", OneErrorLine(refused));
        Assert.Equal(before, DirectorySnapshot.Take(jobDir));
    }

    [Fact]
    public void Non_empty_directory_that_is_not_a_job_is_refused_and_changes_nothing()
    {
        var dir = fixture.NewJobDirectory("not-a-job");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "my precious notes");
        var before = DirectorySnapshot.Take(dir);

        var refused = CliProcess.Run(fixture.Root, _build.Command(dir));

        var error = OneErrorLine(refused);
        Assert.Contains("not empty", error);
        Assert.Contains("notes.txt", error);
        Assert.Equal(before, DirectorySnapshot.Take(dir));
    }
}
