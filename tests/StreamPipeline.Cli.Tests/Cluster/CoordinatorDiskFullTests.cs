using System.Globalization;
using StreamPipeline.Cli.Tests.Build;
using StreamPipeline.Cli.Tests.Faults;
using StreamPipeline.Cli.Tests.Observability;

namespace StreamPipeline.Cli.Tests.Cluster;

/// <summary>
/// A coordinator that cannot commit fails the job (issue 22): its job directory on a tmpfs that fills after about two
/// shards, the coordinator exits 1 with one line naming the file and the full disk, its workers are told and exit 1
/// saying the coordinator failed the job and why, and the manifest records only shards that verify.
/// </summary>
[Collection(BuildTestCollection.Name)]
public sealed class CoordinatorDiskFullTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    [Fact]
    public void A_coordinator_whose_disk_fills_fails_the_job_naming_the_full_disk_and_its_workers_end_saying_why()
    {
        // Six shards of about 120 kB: two fit in 300 kB beside the manifest, the third upload does not.
        using var disk = TmpfsMount.Create(fixture.NewJobDirectory("full-disk"), "300k");
        var job = Path.Combine(disk.Path, "job");
        var port = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        var settings = fixture.Settings("full-disk");
        var coordinator = RunningCli.Start(fixture.Root,
            "build", job, "--construction", "det", "--model", fixture.Model, "--data", "fashion-mnist:train", "--limit", "192",
            "--shard-size", "32", "--batch-size", "16", "--steps", "3", "--eps", "2", "--step-size", "0.3", "--metrics", "none", "--threads", "1",
            "--serve", "--port", port, "--cluster-conf", settings);
        RunningCli[] workers = [];
        try
        {
            Assert.True(coordinator.WaitUntil(() => coordinator.Stderr.Contains("coordinator listening on", StringComparison.Ordinal), Patience), coordinator.Stderr);
            workers = Enumerable.Range(0, 2).Select(_ => RunningCli.Start(fixture.Root,
                "worker", "--join", $"127.0.0.1:{port}", "--devices", "cpu", "--threads", "1", "--cluster-conf", settings)).ToArray();

            var served = coordinator.WaitForExit(Patience);
            var ended = workers.Select(w => w.WaitForExit(Patience)).ToList();

            Assert.True(served.ExitCode == 1, $"exit {served.ExitCode}: {served.Stderr}");
            var failure = Assert.Single(served.Stderr.Split('\n'), l => l.StartsWith("coordinator: failed:", StringComparison.Ordinal));
            Assert.Contains($"{Path.Combine(job, "data")}/part-", failure);
            Assert.Contains("No space left on device", failure);
            foreach (var worker in ended)
            {
                Assert.True(worker.ExitCode == 1, $"exit {worker.ExitCode}: {worker.Stderr}");
                var line = Assert.Single(worker.Stderr.Split('\n'), l => l.StartsWith("failed:", StringComparison.Ordinal));
                Assert.StartsWith($"failed: the coordinator at 127.0.0.1:{port} failed the job:", line);
                Assert.Contains("No space left on device", line);
                Assert.DoesNotContain("lost the coordinator", worker.Stderr);
            }
            var manifest = JobManifest.Read(job);
            Assert.Contains(manifest.Shards, s => !s.IsDone);
            foreach (var shard in manifest.Done)
                Assert.Equal(shard.Sha256, JobManifest.Sha256Of(Path.Combine(job, "data", shard.File!)));
            Assert.Empty(Directory.EnumerateFiles(job, "*.tmp", SearchOption.AllDirectories));
        }
        finally
        {
            foreach (var worker in workers)
                worker.Dispose();
            coordinator.Dispose();
        }
    }
}
