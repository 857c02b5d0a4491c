using System.Globalization;
using StreamPipeline.Cli.Tests.Build;
using StreamPipeline.Cli.Tests.Observability;
using StreamPipeline.Tests.Shared;

namespace StreamPipeline.Cli.Tests.Cluster;

/// <summary>
/// A worker writes nothing on its own disk: each shard is encoded in memory and streamed to the coordinator, whose
/// commit is the shard's only durable write (no scratch folder to clean up, to share or to fill).
/// </summary>
[Collection(BuildTestCollection.Name)]
public sealed class WorkerDiskTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    [Fact]
    public void A_worker_builds_and_delivers_its_shards_without_writing_a_file()
    {
        using var workDir = new TempDirectory();
        using var tempDir = new TempDirectory();
        var job = fixture.NewJobDirectory("memory-job");
        var port = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        var settings = fixture.Settings("memory");
        using var coordinator = RunningCli.Start(fixture.Root,
            "build", job, "--construction", "det", "--model", fixture.Model, "--data", "fashion-mnist:train", "--limit", "64",
            "--shard-size", "32", "--batch-size", "16", "--steps", "2", "--eps", "2", "--step-size", "0.3", "--metrics", "none", "--threads", "1",
            "--serve", "--port", port, "--cluster-conf", settings);
        Assert.True(coordinator.WaitUntil(() => coordinator.Stderr.Contains("coordinator listening on", StringComparison.Ordinal), Patience), coordinator.Stderr);
        // Its working directory and its temp directory are empty folders of its own; .NET's diagnostics socket (which
        // the runtime, not the program, puts in the temp directory) is turned off.
        var info = CliProcess.StartInfo(workDir.Path, "worker", "--join", $"127.0.0.1:{port}", "--devices", "cpu", "--threads", "1", "--cluster-conf", settings);
        info.Environment["TMPDIR"] = tempDir.Path;
        info.Environment["DOTNET_EnableDiagnostics"] = "0";
        using var worker = RunningCli.Start(info);

        var served = coordinator.WaitForExit(Patience);
        var worked = worker.WaitForExit(Patience);

        Assert.True(served.ExitCode == 0, served.Stderr);
        Assert.True(worked.ExitCode == 0, worked.Stderr);
        Assert.Contains("2 shard(s) committed", worked.Stderr);
        Assert.Empty(Directory.EnumerateFileSystemEntries(workDir.Path, "*", SearchOption.AllDirectories));
        Assert.Empty(Directory.EnumerateFileSystemEntries(tempDir.Path, "*", SearchOption.AllDirectories));
        JobManifest.Read(job).AssertConsistentWith(job);
    }
}
