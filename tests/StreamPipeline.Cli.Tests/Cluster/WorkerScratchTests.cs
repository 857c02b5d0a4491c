using System.Globalization;
using StreamPipeline.Cli.Tests.Build;
using StreamPipeline.Cli.Tests.Observability;

namespace StreamPipeline.Cli.Tests.Cluster;

/// <summary>A worker deletes only what it wrote in its scratch folder (issue 22): the shards it built, never the folder's other files.</summary>
[Collection(BuildTestCollection.Name)]
public sealed class WorkerScratchTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    [Fact]
    public void A_worker_leaves_a_scratch_folder_it_did_not_create_with_everything_that_was_there()
    {
        var job = fixture.NewJobDirectory("scratch-job");
        var scratch = Directory.CreateDirectory(fixture.NewJobDirectory("scratch")).FullName;
        var notes = Path.Combine(scratch, "notes.txt");
        File.WriteAllText(notes, "my precious notes");
        var port = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        var settings = fixture.Settings("scratch");
        using var coordinator = RunningCli.Start(fixture.Root,
            "build", job, "--construction", "det", "--model", fixture.Model, "--data", "fashion-mnist:train", "--limit", "64",
            "--shard-size", "32", "--batch-size", "16", "--steps", "2", "--eps", "2", "--step-size", "0.3", "--metrics", "none", "--threads", "1",
            "--serve", "--port", port, "--cluster-conf", settings);
        Assert.True(coordinator.WaitUntil(() => coordinator.Stderr.Contains("coordinator listening on", StringComparison.Ordinal), Patience), coordinator.Stderr);
        using var worker = RunningCli.Start(fixture.Root,
            "worker", "--join", $"127.0.0.1:{port}", "--devices", "cpu", "--threads", "1", "--cluster-conf", settings, "--scratch", scratch);

        var served = coordinator.WaitForExit(Patience);
        var worked = worker.WaitForExit(Patience);

        Assert.True(served.ExitCode == 0, served.Stderr);
        Assert.True(worked.ExitCode == 0, worked.Stderr);
        Assert.Contains("2 shard(s) committed", worked.Stderr);
        Assert.Equal(["notes.txt"], Directory.EnumerateFileSystemEntries(scratch).Select(Path.GetFileName));
        Assert.Equal("my precious notes", File.ReadAllText(notes));
    }
}
