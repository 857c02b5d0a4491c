using System.Diagnostics;

namespace StreamPipeline.Cli.Tests.Build;

/// <summary>A build killed (SIGKILL) or interrupted (SIGINT) mid-run and run again ends with the dataset of an uninterrupted build.</summary>
[Collection(BuildTestCollection.Name)]
public sealed class BuildInterruptionTests(TinyModelFixture fixture)
{
    // 20 shards of 16 at 20 steps: several seconds of work even on a quiet machine (at 5 steps a quiet run finished
    // all 20 shards in 1 s, before its SIGINT arrived), so the run can be stopped between its first and last commit.
    private readonly DetBuild _build = DetBuild.Of(fixture) with { Limit = 320, ShardSize = 16, BatchSize = 8, Steps = 20 };

    private static readonly TimeSpan StartupAllowance = TimeSpan.FromMinutes(2);

    private string Uninterrupted() => fixture.ReferenceBuild(_build.Flags());

    /// <summary>Starts the build and returns it once the manifest records a done shard, with the job not yet complete.</summary>
    private RunningCli StartAndWaitForFirstShard(string jobDir)
    {
        var running = RunningCli.Start(fixture.Root, _build.Command(jobDir));
        var started = running.WaitUntil(() => JobManifest.DoneCountWhileRunning(jobDir) >= 1, StartupAllowance);
        Assert.True(started, $"no shard was committed before the build ended or {StartupAllowance} passed: {running.Stderr}");
        Assert.False(running.HasExited, "the build finished before it could be stopped; give it more shards");
        return running;
    }

    private static void AssertPartlyDone(string jobDir)
    {
        var manifest = JobManifest.Read(jobDir);
        var done = manifest.Done.Count();
        Assert.InRange(done, 1, manifest.Shards.Count - 1);
    }

    private void ResumeAndCompare(string jobDir)
    {
        var resumed = CliProcess.Run(fixture.Root, _build.Command(jobDir));
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        var manifest = JobManifest.Read(jobDir);
        Assert.All(manifest.Shards, s => Assert.True(s.IsDone));
        manifest.AssertConsistentWith(jobDir);
        var reference = Uninterrupted();
        DatasetAssert.SameRows(reference, jobDir);
        DatasetAssert.SameShardFiles(reference, jobDir);
    }

    [Fact]
    public void Build_killed_with_sigkill_and_run_again_equals_an_uninterrupted_build()
    {
        Uninterrupted();
        var jobDir = fixture.NewJobDirectory("killed");
        using (var running = StartAndWaitForFirstShard(jobDir))
        {
            running.Kill();
            var killed = running.WaitForExit(TimeSpan.FromSeconds(30));
            Assert.Equal(137, killed.ExitCode);
        }
        AssertPartlyDone(jobDir);

        ResumeAndCompare(jobDir);
    }

    [Fact]
    public void Build_interrupted_with_sigint_exits_130_promptly_and_run_again_equals_an_uninterrupted_build()
    {
        Uninterrupted();
        var jobDir = fixture.NewJobDirectory("interrupted");
        CliProcess.Result interrupted;
        TimeSpan stopping;
        using (var running = StartAndWaitForFirstShard(jobDir))
        {
            var clock = Stopwatch.StartNew();
            running.Interrupt();
            interrupted = running.WaitForExit(TimeSpan.FromSeconds(60));
            stopping = clock.Elapsed;
        }

        Assert.True(interrupted.ExitCode == 130, $"exit code {interrupted.ExitCode}: {interrupted.Stderr}");
        Assert.True(stopping < TimeSpan.FromSeconds(10), $"took {stopping.TotalSeconds:F1} s to stop after SIGINT");
        Assert.Contains(interrupted.Stderr.Split('\n'), line => line.Contains("resume", StringComparison.OrdinalIgnoreCase));
        AssertPartlyDone(jobDir);
        // A clean stop leaves no temporary file behind and a manifest that matches data/.
        JobManifest.Read(jobDir).AssertConsistentWith(jobDir);

        ResumeAndCompare(jobDir);
    }
}
