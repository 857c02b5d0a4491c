using System.Globalization;
using System.Text.RegularExpressions;
using StreamPipeline.Cli.Tests.Build;
using StreamPipeline.Cli.Tests.Observability;

namespace StreamPipeline.Cli.Tests.Cluster;

/// <summary>
/// <c>build --serve</c> checks the job (checkpoint hash, its fit to the data) and serves it, but never touches a tensor:
/// its process never maps libtorch, from start to the job's end, while the worker that builds the shards does. Read from
/// the real processes' memory maps (/proc/PID/maps), sampled all along the job.
/// </summary>
[Collection(BuildTestCollection.Name)]
public sealed partial class CoordinatorWithoutTorchTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(4);

    [Fact]
    public void The_coordinator_serves_a_whole_job_without_loading_libtorch_while_its_worker_loads_it()
    {
        var job = fixture.NewJobDirectory("no-torch");
        var port = FreePort.Next();
        var settings = fixture.Settings("no-torch");
        using var coordinator = RunningCli.Start(fixture.Root, "build", job, "--construction", "det", "--model", fixture.Model,
            "--data", "fashion-mnist:train", "--limit", "64", "--shard-size", "32", "--batch-size", "16", "--steps", "5", "--metrics", "none",
            "--threads", "1", "--serve", "--port", port.ToString(CultureInfo.InvariantCulture), "--cluster-conf", settings);
        Assert.True(coordinator.WaitUntil(() => coordinator.Stderr.Contains("coordinator listening on", StringComparison.Ordinal), Patience),
            coordinator.Stderr);
        var inCoordinator = new HashSet<string>(TorchLibraries(coordinator.Pid));
        var samples = 1;

        using var worker = RunningCli.Start(fixture.Root, "worker", "--join", $"127.0.0.1:{port}", "--devices", "cpu", "--threads", "1",
            "--cluster-conf", settings);
        var inWorker = new HashSet<string>();
        coordinator.WaitUntil(() =>
        {
            inCoordinator.UnionWith(TorchLibraries(coordinator.Pid));
            inWorker.UnionWith(TorchLibraries(worker.Pid));
            samples++;
            return false;
        }, Patience);
        var served = coordinator.WaitForExit(TimeSpan.FromMinutes(1));

        Assert.True(served.ExitCode == 0, served.Stderr);
        Assert.Contains("complete: every shard is committed", served.Stderr);
        Assert.Equal(2, JobManifest.Read(job).Done.Count());
        Assert.True(inWorker.Count > 0, "the worker never mapped libtorch: the check could not tell a process that loads it");
        Assert.True(inCoordinator.Count == 0, $"the coordinator mapped {string.Join(", ", inCoordinator)} (over {samples} samples)");
        Assert.True(worker.WaitForExit(TimeSpan.FromMinutes(1)).ExitCode == 0);
    }

    /// <summary>The libtorch libraries (libtorch*, libc10*, libLibTorchSharp) mapped into process <paramref name="pid"/>; none once it has exited.</summary>
    private static IEnumerable<string> TorchLibraries(int pid)
    {
        string[] maps;
        try
        {
            maps = File.ReadAllLines($"/proc/{pid}/maps");
        }
        catch (IOException)
        {
            return [];
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }
        return maps.Select(line => TorchLibrary().Match(line)).Where(m => m.Success).Select(m => m.Groups[1].Value).Distinct().ToList();
    }

    [GeneratedRegex(@"/(lib(?:torch|c10|LibTorchSharp)[^/\s]*\.so[^/\s]*)$")]
    private static partial Regex TorchLibrary();
}
