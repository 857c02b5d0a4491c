using StreamPipeline.Cli.Tests.Faults;

namespace StreamPipeline.Cli.Tests.Build;

/// <summary>
/// On a file system that refuses flock on a directory (the Linux NFS client: ENOLCK), a build locks the job directory
/// through its lock file instead: it runs, a second build on the same directory is still refused while the first
/// runs, and the lock file is the job's own (kept, never taken for a foreign entry).
/// </summary>
[Collection(BuildTestCollection.Name)]
public sealed class NfsLockTests(TinyModelFixture fixture)
{
    private readonly DetBuild _build = DetBuild.Of(fixture) with { Limit = 320, ShardSize = 16, BatchSize = 8, Steps = 20 };

    [Fact]
    public void Where_a_directory_cannot_be_locked_the_lock_file_holds_it_and_a_second_build_is_still_refused()
    {
        var nfs = new NfsFlock(fixture.Root);
        var jobDir = fixture.NewJobDirectory("nfs");
        using (var first = RunningCli.Start(CliProcess.StartInfo(fixture.Root, nfs.Environment, _build.Command(jobDir))))
        {
            Assert.True(first.WaitUntil(() => JobManifest.DoneCountWhileRunning(jobDir) >= 1, TimeSpan.FromMinutes(2)), first.Stderr);
            Assert.False(first.HasExited, "the first build ended before the second could try");

            var second = CliProcess.Run(CliProcess.StartInfo(fixture.Root, nfs.Environment, _build.Command(jobDir)), TimeSpan.FromMinutes(1));

            Assert.Equal(2, second.ExitCode);
            Assert.Contains("is in use by another build", second.Stderr);
            var done = first.WaitForExit(TimeSpan.FromMinutes(3));
            Assert.True(done.ExitCode == 0, done.Stderr);
        }
        Assert.Contains(Path.GetFullPath(jobDir), nfs.Refused);
        Assert.True(File.Exists(Path.Combine(jobDir, ".lock")), "the lock file is there");

        // Run again: the job is complete and its lock file is its own, not a foreign entry.
        var again = CliProcess.Run(CliProcess.StartInfo(fixture.Root, nfs.Environment, _build.Command(jobDir)), TimeSpan.FromMinutes(1));
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Contains("already complete", again.Stderr);
        DatasetAssert.SameRows(fixture.ReferenceBuild(_build.Flags()), jobDir);
    }
}
