using System.Diagnostics;
using System.Globalization;
using StreamPipeline.Cli.Tests.Build;
using StreamPipeline.Cli.Tests.Observability;

namespace StreamPipeline.Cli.Tests.Cluster;

/// <summary>
/// The worker's scratch folder, where built shards wait for their upload, is this user's alone: by default a fresh
/// private folder (mode 0700, a new name each run) removed at exit; a --scratch folder another user owns or may write
/// is refused with one line and exit 2, and a given folder keeps whatever the worker did not write.
/// </summary>
[Collection(BuildTestCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class WorkerScratchTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    private static CliProcess.Result Worker(string root, IReadOnlyDictionary<string, string>? environment, params string[] extra) =>
        CliProcess.Run(root, Patience, environment, ["worker", "--join", "127.0.0.1:1", "--devices", "cpu", .. extra]);

    [Fact]
    public void The_default_scratch_folder_is_fresh_and_private_while_the_worker_serves_and_gone_after()
    {
        var temp = Directory.CreateDirectory(Path.Combine(fixture.Root, $"tmp-{Guid.NewGuid().ToString("N")[..8]}")).FullName;
        var port = FreePort.Next();
        var settings = fixture.Settings("scratch", coordinatorTimeout: "30s");
        using var coordinator = RunningCli.Start(fixture.Root,
            "build", fixture.NewJobDirectory("scratch"), "--construction", "det", "--model", fixture.Model, "--data", "fashion-mnist:train", "--limit", "64",
            "--shard-size", "32", "--batch-size", "16", "--steps", "10", "--metrics", "none", "--threads", "1",
            "--serve", "--port", port.ToString(CultureInfo.InvariantCulture), "--cluster-conf", settings);
        Assert.True(coordinator.WaitUntil(() => coordinator.Stderr.Contains("coordinator listening on", StringComparison.Ordinal), Patience), coordinator.Stderr);
        using var worker = RunningCli.Start(CliProcess.StartInfo(fixture.Root, new Dictionary<string, string> { ["TMPDIR"] = temp },
            "worker", "--join", $"127.0.0.1:{port}", "--devices", "cpu", "--threads", "1", "--cluster-conf", settings));
        Assert.True(worker.WaitUntil(() => worker.Stderr.Contains("serving job", StringComparison.Ordinal), Patience), worker.Stderr);

        var folder = Assert.Single(Directory.GetDirectories(temp));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
        Assert.StartsWith("stream-pipeline-worker-", Path.GetFileName(folder));
        // Not a name another user can guess and create first.
        Assert.DoesNotContain(worker.Pid.ToString(CultureInfo.InvariantCulture), Path.GetFileName(folder));

        Assert.True(coordinator.WaitForExit(Patience).ExitCode == 0, coordinator.Stderr);
        var worked = worker.WaitForExit(Patience);
        Assert.True(worked.ExitCode == 0, worked.Stderr);
        Assert.Empty(Directory.GetFileSystemEntries(temp));
    }

    [Fact]
    public void A_scratch_folder_another_user_owns_or_others_may_write_is_refused_and_a_given_folder_keeps_what_is_not_the_workers()
    {
        if (Environment.UserName != "root")
            throw new InvalidOperationException("this test gives a folder to another user (chown): run it as root, as CI does");
        var writable = Directory.CreateDirectory(Path.Combine(fixture.Root, $"open-{Guid.NewGuid().ToString("N")[..8]}")).FullName;
        File.SetUnixFileMode(writable, (UnixFileMode)0b111_111_111);
        var groupWritable = Directory.CreateDirectory(Path.Combine(fixture.Root, $"group-{Guid.NewGuid().ToString("N")[..8]}")).FullName;
        File.SetUnixFileMode(groupWritable, (UnixFileMode)0b111_111_000);
        var foreign = Directory.CreateDirectory(Path.Combine(fixture.Root, $"foreign-{Guid.NewGuid().ToString("N")[..8]}")).FullName;
        File.SetUnixFileMode(foreign, (UnixFileMode)0b111_000_000);
        Chown("65534", foreign);
        var file = Path.Combine(fixture.Root, $"file-{Guid.NewGuid().ToString("N")[..8]}");
        File.WriteAllText(file, "not a folder");

        foreach (var (scratch, expected) in new[] { (writable, "other users"), (groupWritable, "other users"), (foreign, "user id 65534"), (file, "not a folder") })
        {
            var result = Worker(fixture.Root, null, "--scratch", scratch);
            Assert.True(result.ExitCode == 2, $"{scratch}: exit {result.ExitCode}: {result.Stderr}");
            var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith($"error: --scratch {scratch} ", line);
            Assert.Contains(expected, line);
        }

        // A folder of this user's own: used, and left as it was found (the worker deletes only the shard files it wrote).
        var own = Directory.CreateDirectory(Path.Combine(fixture.Root, $"own-{Guid.NewGuid().ToString("N")[..8]}")).FullName;
        File.SetUnixFileMode(own, (UnixFileMode)0b111_101_101);
        File.WriteAllText(Path.Combine(own, "notes.txt"), "the user's");
        var ran = Worker(fixture.Root, null, "--scratch", own, "--cluster-conf", fixture.Settings("own-scratch", coordinatorTimeout: "2s"));
        Assert.True(ran.ExitCode == 1, ran.Stderr);
        Assert.Contains("did not answer", ran.Stderr);
        Assert.Equal("the user's", File.ReadAllText(Path.Combine(own, "notes.txt")));
    }

    private static void Chown(string owner, string path)
    {
        using var chown = Process.Start("chown", [owner, path]);
        chown.WaitForExit();
        Assert.True(chown.ExitCode == 0, $"chown {owner} {path} failed");
    }

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
