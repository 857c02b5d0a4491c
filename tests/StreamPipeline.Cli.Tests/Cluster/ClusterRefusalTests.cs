using System.Globalization;
using StreamPipeline.Cli.Tests.Build;
using StreamPipeline.Cli.Tests.Observability;

namespace StreamPipeline.Cli.Tests.Cluster;

/// <summary>
/// A worker that cannot serve the coordinator's job — another job's (--job), or another checkpoint (its SHA-256
/// differs) — leaves with exit 2, and both sides print one line saying why.
/// </summary>
[Collection(BuildTestCollection.Name)]
public sealed class ClusterRefusalTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    [Fact]
    public void A_refused_worker_and_its_coordinator_each_print_one_line_with_the_reason()
    {
        var other = Path.Combine(fixture.Root, $"other-{Guid.NewGuid().ToString("N")[..8]}.pt");
        var trained = CliProcess.Run(fixture.Root, "train", "--limit", "256", "--epochs", "1", "--out", other, "--device", "cpu", "--threads", "1");
        Assert.True(trained.ExitCode == 0, trained.Stderr);
        var port = FreePort.Next();
        var settings = fixture.Settings("refusal", coordinatorTimeout: "30s");
        var job = fixture.NewJobDirectory("refusal");
        using var coordinator = RunningCli.Start(fixture.Root,
            "build", job, "--construction", "det", "--model", fixture.Model, "--data", "fashion-mnist:train", "--limit", "64",
            "--shard-size", "32", "--steps", "10", "--metrics", "none", "--threads", "1",
            "--serve", "--port", port.ToString(CultureInfo.InvariantCulture), "--cluster-conf", settings);
        Assert.True(coordinator.WaitUntil(() => coordinator.Stderr.Contains("coordinator listening on", StringComparison.Ordinal), Patience), coordinator.Stderr);
        var anotherJob = new string('0', 64);

        var cases = new (string[] Args, string Reason, string CoordinatorSays)[]
        {
            (["--job", anotherJob], $"job {anotherJob[..12]}", "refused worker 127.0.0.1:"),
            (["--model", other], "sha256", "cannot serve this job: model"),
        };
        foreach (var (args, reason, says) in cases)
        {
            var before = coordinator.Stderr.Length;
            var worker = CliProcess.Run(fixture.Root, Patience,
                ["worker", "--join", $"127.0.0.1:{port}", "--devices", "cpu", "--threads", "1", "--cluster-conf", settings, .. args]);
            Assert.True(worker.ExitCode == 2, $"{string.Join(' ', args)}: exit {worker.ExitCode}: {worker.Stderr}");
            Assert.True(coordinator.WaitUntil(() => coordinator.Stderr[before..].Contains(says, StringComparison.Ordinal), TimeSpan.FromSeconds(30)),
                $"the coordinator did not say why it lost the worker: {coordinator.Stderr[before..]}");
            var line = Assert.Single(coordinator.Stderr[before..].Split('\n'), l => l.Contains(says, StringComparison.Ordinal));
            Assert.Contains(reason, line);
            var error = Assert.Single(worker.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error: ", StringComparison.Ordinal));
            Assert.Contains(reason, error);
        }
    }
}
