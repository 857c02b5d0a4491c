namespace StreamPipeline.Cli.Tests.Build;

/// <summary>
/// A running build whose job directory is swapped for a copy (<c>mv job job.old; cp -r job.old job</c>) notices that
/// the path no longer names the directory it locked and stops (issue 22), so a second build on the copy is its only
/// writer.
/// </summary>
[Collection(BuildTestCollection.Name)]
public sealed class ReplacedDirectoryTests(TinyModelFixture fixture)
{
    private readonly DetBuild _build = DetBuild.Of(fixture) with { Limit = 192, ShardSize = 32, BatchSize = 16, Steps = 30 };

    [Fact]
    public void A_build_whose_directory_is_swapped_for_a_copy_stops_and_a_build_on_the_copy_finishes_it_alone()
    {
        var job = fixture.NewJobDirectory("swapped");
        var old = job + ".old";
        CliProcess.Result stopped;
        using (var first = RunningCli.Start(fixture.Root, _build.Command(job)))
        {
            Assert.True(first.WaitUntil(() => JobManifest.DoneCountWhileRunning(job) >= 1, TimeSpan.FromMinutes(3)), first.Stderr);
            // Frozen while the directory is swapped, so the copy is taken between two of its writes, as a careful
            // `mv; cp -r` of a quiet moment would be.
            first.Freeze();
            Directory.Move(job, old);
            // cp itself: .NET's File.Copy refuses a file the frozen build holds open for writing (.NET's own
            // advisory lock), which is not what a user's copy does.
            var copied = System.Diagnostics.Process.Start("cp", ["-r", old, job])!;
            copied.WaitForExit();
            Assert.Equal(0, copied.ExitCode);
            first.Continue();
            stopped = first.WaitForExit(TimeSpan.FromMinutes(3));
        }

        var second = CliProcess.Run(fixture.Root, _build.Command(job));

        Assert.True(stopped.ExitCode == 1, $"exit {stopped.ExitCode}: {stopped.Stderr}");
        var line = Assert.Single(stopped.Stderr.Split('\n'), l => l.StartsWith("failed:", StringComparison.Ordinal));
        Assert.Contains($"{job}: commit failed: the path no longer names the directory this build locked", line);
        Assert.DoesNotContain("complete:", stopped.Stderr);
        Assert.True(second.ExitCode == 0, second.Stderr);
        var manifest = JobManifest.Read(job);
        manifest.AssertConsistentWith(job);
        Assert.All(manifest.Shards, s => Assert.True(s.IsDone));
        Assert.Equal(JobManifest.Read(fixture.ReferenceBuild(_build.Flags())).Done.ToDictionary(s => s.Id, s => s.Sha256),
            manifest.Done.ToDictionary(s => s.Id, s => s.Sha256));
    }
}
