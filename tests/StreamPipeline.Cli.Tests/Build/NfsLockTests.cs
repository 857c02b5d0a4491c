using StreamPipeline.Cli.Tests.Faults;

namespace StreamPipeline.Cli.Tests.Build;

/// <summary>
/// On a file system that refuses flock on a directory (the Linux NFS client: ENOLCK), a build locks the job directory
/// through its lock file instead: it runs, a second build on the same directory is still refused while the first
/// runs, and the lock file is the job's own (kept, never taken for a foreign entry; the next build takes the lock).
/// </summary>
[Collection(BuildTestCollection.Name)]
public sealed class NfsLockTests(TinyModelFixture fixture)
{
    // Slow enough (400 steps) that the first build is still running when the second tries; it is stopped with SIGINT.
    private readonly DetBuild _build = DetBuild.Of(fixture) with { Limit = 320, ShardSize = 16, BatchSize = 8, Steps = 400 };

    [Fact]
    public void Where_a_directory_cannot_be_locked_the_lock_file_holds_it_and_a_second_build_is_still_refused()
    {
        var nfs = new NfsFlock(fixture.Root);
        var jobDir = fixture.NewJobDirectory("nfs");
        using (var first = RunningCli.Start(CliProcess.StartInfo(fixture.Root, nfs.Environment, _build.Command(jobDir))))
        {
            Assert.True(first.WaitUntil(() => JobManifest.DoneCountWhileRunning(jobDir) >= 1, TimeSpan.FromMinutes(2)), first.Stderr);

            var second = CliProcess.Run(CliProcess.StartInfo(fixture.Root, nfs.Environment, _build.Command(jobDir)), TimeSpan.FromMinutes(1));

            Assert.False(first.HasExited, "the first build ended before the second tried: the refusal was not tested");
            Assert.True(second.ExitCode == 2, $"exit {second.ExitCode}: {second.Stderr}");
            Assert.Contains("is in use by another build", second.Stderr);
            first.Interrupt();
            Assert.Equal(ExitCodes.Interrupted, first.WaitForExit(TimeSpan.FromMinutes(1)).ExitCode);
        }
        Assert.Contains(Path.GetFullPath(jobDir), nfs.Refused);
        Assert.True(File.Exists(Path.Combine(jobDir, ".lock")), "the lock file is there");

        // The next build takes the lock (the file is the job's own, not a foreign entry) and resumes.
        using var next = RunningCli.Start(CliProcess.StartInfo(fixture.Root, nfs.Environment, _build.Command(jobDir)));
        Assert.True(next.WaitUntil(() => next.Stderr.Contains("already done", StringComparison.Ordinal), TimeSpan.FromMinutes(2)), next.Stderr);
        next.Interrupt();
        var stopped = next.WaitForExit(TimeSpan.FromMinutes(1));
        Assert.True(stopped.ExitCode == ExitCodes.Interrupted, $"exit {stopped.ExitCode}: {stopped.Stderr}");
        JobManifest.Read(jobDir).AssertConsistentWith(jobDir);
    }
}
