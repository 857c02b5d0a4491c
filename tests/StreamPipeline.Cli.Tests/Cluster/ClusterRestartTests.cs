using System.Globalization;
using StreamPipeline.Cli.Tests.Build;
using StreamPipeline.Cli.Tests.Observability;

namespace StreamPipeline.Cli.Tests.Cluster;

/// <summary>
/// Workers across coordinator restarts, as real processes: a worker ends with its job — exit 0 once the job is
/// complete, even when it learns so only from a coordinator restarted on a job finished meanwhile — and a worker whose
/// coordinator never comes back exits 1 within coordinator-timeout, whatever it was waiting for.
/// </summary>
[Collection(BuildTestCollection.Name)]
public sealed class ClusterRestartTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    // Beyond coordinator-timeout: the time to notice, leave the cluster (bounded) and exit, on a busy two-core machine.
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(15);

    // 120 steps: at 40 a quiet machine's two workers sometimes finished all 6 shards before the test's second kill.
    private string[] Build(string jobDir, int steps = 120) =>
    [
        "build", jobDir, "--construction", "det", "--model", fixture.Model, "--data", "fashion-mnist:train", "--limit", "192",
        "--shard-size", "32", "--batch-size", "16", "--steps", steps.ToString(CultureInfo.InvariantCulture), "--eps", "2", "--step-size", "0.3",
        "--metrics", "none", "--threads", "1",
    ];

    private RunningCli Coordinator(string jobDir, int port, string settings, int steps = 120)
    {
        var coordinator = RunningCli.Start(fixture.Root, [.. Build(jobDir, steps), "--serve", "--port", port.ToString(CultureInfo.InvariantCulture), "--cluster-conf", settings]);
        Assert.True(coordinator.WaitUntil(() => coordinator.Stderr.Contains("coordinator listening on", StringComparison.Ordinal), Patience), coordinator.Stderr);
        return coordinator;
    }

    private RunningCli Worker(int port, string settings) =>
        RunningCli.Start(fixture.Root, "worker", "--join", $"127.0.0.1:{port}", "--devices", "cpu", "--threads", "1", "--cluster-conf", settings);

    private static void KillAfterCommits(RunningCli coordinator, string job, int commits)
    {
        Assert.True(coordinator.WaitUntil(() => JobManifest.DoneCountWhileRunning(job) >= commits, Patience), coordinator.Stderr);
        Assert.True(JobManifest.DoneCountWhileRunning(job) < 6, "the job finished before the coordinator could be killed");
        coordinator.Kill();
        coordinator.WaitForExit(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void Workers_exit_0_when_their_job_completes_across_coordinator_kills_even_if_a_restarted_coordinator_finds_it_complete()
    {
        var job = fixture.NewJobDirectory("restarts");
        var port = FreePort.Next();
        var settings = fixture.Settings("restarts", coordinatorTimeout: "40s");
        // One shard at a time per worker, so the job is still running when the coordinator is killed.
        File.AppendAllText(settings, "\nstream-pipeline.cluster.leases-per-device = 1\n");
        var coordinators = new List<RunningCli> { Coordinator(job, port, settings) };
        var workers = new[] { Worker(port, settings), Worker(port, settings) };
        try
        {
            // Killed mid-job twice, started again each time with the same command.
            KillAfterCommits(coordinators[^1], job, 1);
            coordinators.Add(Coordinator(job, port, settings));
            KillAfterCommits(coordinators[^1], job, 3);
            // While no coordinator runs, the job is finished by a local build of the same spec (as a coordinator killed
            // after its last commit leaves it): the workers, reconnecting, have not heard that it is complete.
            var local = CliProcess.Run(fixture.Root, Patience, Build(job));
            Assert.True(local.ExitCode == 0, local.Stderr);
            Assert.True(JobManifest.Read(job).Done.Count() == 6, "the local build did not finish the job");

            var last = Coordinator(job, port, settings);
            coordinators.Add(last);
            foreach (var worker in workers)
            {
                // Each hears it on reconnecting, well within coordinator-timeout.
                var result = worker.WaitForExit(TimeSpan.FromSeconds(40) + Margin);
                Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Stderr}");
                Assert.Contains("job finished (every shard is committed)", result.Stderr);
            }
            var served = last.WaitForExit(Patience);
            Assert.True(served.ExitCode == 0, served.Stderr);
            Assert.Contains("already complete", served.Stderr);
        }
        finally
        {
            coordinators.ForEach(c => c.Dispose());
            Array.ForEach(workers, w => w.Dispose());
        }
    }

    [Fact]
    public void A_worker_whose_coordinator_never_comes_back_exits_1_within_coordinator_timeout()
    {
        var job = fixture.NewJobDirectory("gone");
        var port = FreePort.Next();
        // Asks time out after 30 s and leases last 60 s: only the give-up clock can end the worker in time.
        var timeout = TimeSpan.FromSeconds(8);
        var settings = fixture.Settings("gone", coordinatorTimeout: "8s");
        File.AppendAllText(settings, "\nstream-pipeline.cluster { ask-timeout = 30s, lease-duration = 60s, renew-interval = 1s }\n");
        // More steps than the other tests: the job must still be running when the coordinator's status line first
        // shows the worker's leases (a quiet machine finished a 40-step job before that), and it is killed then.
        using var coordinator = Coordinator(job, port, settings, steps: 200);
        using var worker = Worker(port, settings);
        Assert.True(worker.WaitUntil(() => worker.Stderr.Contains("serving job", StringComparison.Ordinal), Patience), worker.Stderr);
        Assert.True(coordinator.WaitUntil(() => coordinator.Stderr.Contains("alive, 2 lease(s)", StringComparison.Ordinal), Patience), coordinator.Stderr);
        Assert.True(JobManifest.DoneCountWhileRunning(job) < 6, "the job finished before the coordinator could be killed");

        coordinator.Kill();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = worker.WaitForExit(timeout + Margin + TimeSpan.FromMinutes(2));
        var took = clock.Elapsed;

        Assert.True(result.ExitCode == 1, $"exit {result.ExitCode}: {result.Stderr}");
        Assert.Contains("did not answer for 00:00:08", result.Stderr);
        Assert.True(took < timeout + Margin, $"the worker took {took.TotalSeconds:0.0} s to give up (coordinator-timeout {timeout.TotalSeconds} s): {result.Stderr}");
    }
}
