using System.Globalization;
using System.Text.RegularExpressions;
using StreamPipeline.Cli.Tests.Build;
using StreamPipeline.Cli.Tests.Observability;

namespace StreamPipeline.Cli.Tests.Cluster;

/// <summary>
/// One build job over a coordinator and workers, as real processes on 127.0.0.1, with real failures: a worker killed
/// mid-shard, the coordinator killed and started again, a worker frozen past its lease that then delivers a stale
/// shard. Every time the shard files end byte-identical to a single-process build of the same spec and batch size.
/// </summary>
[Collection(BuildTestCollection.Name)]
public sealed partial class ClusterBuildTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(4);

    private string[] Build(string jobDir) =>
    [
        "build", jobDir, "--construction", "det", "--model", fixture.Model, "--data", "fashion-mnist:train", "--limit", "384",
        "--shard-size", "32", "--batch-size", "16", "--steps", "60", "--eps", "2", "--step-size", "0.3", "--metrics", "none", "--threads", "1",
    ];

    private string[] Serve(string jobDir, int port, string settings) => [.. Build(jobDir), "--serve", "--port", port.ToString(CultureInfo.InvariantCulture), "--cluster-conf", settings];

    private RunningCli Worker(int port, string settings) =>
        RunningCli.Start(fixture.Root, "worker", "--join", $"127.0.0.1:{port}", "--devices", "cpu", "--threads", "1", "--cluster-conf", settings);

    private RunningCli Coordinator(string jobDir, int port, string settings)
    {
        var coordinator = RunningCli.Start(fixture.Root, Serve(jobDir, port, settings));
        Assert.True(coordinator.WaitUntil(() => coordinator.Stderr.Contains("coordinator listening on", StringComparison.Ordinal), Patience), coordinator.Stderr);
        return coordinator;
    }

    /// <summary>The single-process build of the same spec, batch size and thread count: what every cluster run must equal.</summary>
    private IReadOnlyDictionary<int, string> Reference()
    {
        var dir = fixture.NewJobDirectory("single");
        var single = CliProcess.Run(fixture.Root, Patience, Build(dir));
        Assert.True(single.ExitCode == 0, single.Stderr);
        return Checksums(dir);
    }

    private static IReadOnlyDictionary<int, string> Checksums(string jobDir) => JobManifest.Read(jobDir).Done.ToDictionary(s => s.Id, s => s.Sha256!);

    private static void AssertFinishedOnce(string jobDir)
    {
        var manifest = JobManifest.Read(jobDir);
        Assert.Equal(12, manifest.Shards.Count);
        Assert.All(manifest.Shards, s => Assert.True(s.IsDone, $"shard {s.Id} is not done"));
        Assert.Equal(12, manifest.Done.Select(s => s.File).Distinct().Count());
        manifest.AssertConsistentWith(jobDir);
        Assert.Empty(Directory.EnumerateFiles(jobDir, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void A_worker_killed_mid_shard_and_a_coordinator_killed_and_restarted_still_give_the_single_process_files()
    {
        var job = fixture.NewJobDirectory("cluster");
        var port = FreePort.Next();
        var settings = fixture.Settings("kill");
        var first = Coordinator(job, port, settings);
        var workers = Enumerable.Range(0, 3).Select(_ => Worker(port, settings)).ToList();
        try
        {
            Assert.True(first.WaitUntil(() => JobManifest.DoneCountWhileRunning(job) >= 1, Patience), first.Stderr);
            Assert.True(JobManifest.DoneCountWhileRunning(job) < 12, "the job finished before a worker could be killed");
            workers[0].Kill();
            Assert.True(first.WaitUntil(() => JobManifest.DoneCountWhileRunning(job) >= 4, Patience), first.Stderr);
            Assert.True(JobManifest.DoneCountWhileRunning(job) < 12, "the job finished before the coordinator could be killed");
            first.Kill();

            using var second = Coordinator(job, port, settings);
            var served = second.WaitForExit(Patience);

            Assert.True(served.ExitCode == 0, served.Stderr);
            Assert.Contains("complete: every shard is committed", served.Stderr);
            foreach (var worker in workers.Skip(1))
            {
                var result = worker.WaitForExit(TimeSpan.FromMinutes(1));
                Assert.True(result.ExitCode == 0, result.Stderr);
                Assert.Contains("job finished", result.Stderr);
            }
        }
        finally
        {
            first.Dispose();
            workers.ForEach(w => w.Dispose());
        }

        AssertFinishedOnce(job);
        Assert.Equal(Reference(), Checksums(job));
        // inspect tells who built what: several workers, every row accounted for.
        var inspected = CliProcess.Run(fixture.Root, "inspect", job, "--json");
        var nodes = System.Text.Json.Nodes.JsonNode.Parse(inspected.Stdout)!["nodes"]!.AsArray();
        Assert.True(nodes.Count >= 2, inspected.Stdout);
        Assert.Equal(384, nodes.Sum(n => n!["rows"]!.GetValue<long>()));
        Assert.All(nodes, n => Assert.StartsWith("127.0.0.1:", n!["node"]!.GetValue<string>()));
    }

    [Fact]
    public void A_frozen_worker_loses_its_lease_and_its_late_delivery_is_discarded_and_counted()
    {
        var job = fixture.NewJobDirectory("stale");
        var port = FreePort.Next();
        // Leases expire after 4 s; the cluster itself would only down the frozen node after two minutes, so it stays
        // a member and really does deliver its stale shard when it wakes up.
        var settings = fixture.Settings("stale", downAfter: "120s", heartbeatPause: "60s");
        using var coordinator = Coordinator(job, port, settings);
        using var frozen = Worker(port, settings);
        Assert.True(frozen.WaitUntil(() => frozen.Stderr.Contains("serving job", StringComparison.Ordinal), Patience), frozen.Stderr);
        Assert.True(coordinator.WaitUntil(() => HoldsLease(coordinator.Stderr), Patience), coordinator.Stderr);

        frozen.Freeze();
        using var other = Worker(port, settings);
        var expired = coordinator.WaitUntil(() => Expired(coordinator.Stderr) >= 1, TimeSpan.FromSeconds(60));
        Thread.Sleep(TimeSpan.FromSeconds(1));
        frozen.Continue();
        Assert.True(expired, "the frozen worker's lease never expired: " + coordinator.Stderr);

        var served = coordinator.WaitForExit(Patience);
        var late = frozen.WaitForExit(TimeSpan.FromMinutes(1));
        other.WaitForExit(TimeSpan.FromMinutes(1));

        Assert.True(served.ExitCode == 0, served.Stderr);
        var summary = Assert.Single(served.Stderr.Split('\n'), l => l.Contains("result(s) discarded", StringComparison.Ordinal));
        Assert.True(int.Parse(DiscardedPattern().Match(summary).Groups[1].Value, CultureInfo.InvariantCulture) >= 1, summary);
        Assert.Matches(@"[1-9]\d* discarded", late.Stderr);
        AssertFinishedOnce(job);
        Assert.Equal(Reference(), Checksums(job));
    }

    private static bool HoldsLease(string stderr) => LeasePattern().IsMatch(stderr);

    private static int Expired(string stderr) =>
        ExpiredPattern().Matches(stderr).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max();

    [GeneratedRegex(@"alive, [1-9]\d* lease")]
    private static partial Regex LeasePattern();

    [GeneratedRegex(@"pending, (\d+) expired")]
    private static partial Regex ExpiredPattern();

    [GeneratedRegex(@"(\d+) result\(s\) discarded")]
    private static partial Regex DiscardedPattern();
}
