using System.Globalization;
using System.Net.Sockets;
using StreamPipeline.Cli.Tests.Build;
using StreamPipeline.Cli.Tests.Observability;

namespace StreamPipeline.Cli.Tests.Cluster;

/// <summary>
/// Where cluster nodes really listen, read from the kernel's socket table (<c>ss</c>), not from the flags: no plain-TCP
/// socket on an address other machines can reach unless --insecure is given, whichever setting names the address
/// (--host, --public-host, akka.remote.dot-netty.tcp.hostname in --cluster-conf); --host 0.0.0.0 --insecure listens on
/// every interface; and one process per port — a second coordinator on a taken port exits 2 while the first serves on.
/// A test address 192.0.2.N on the loopback interface stands for "another machine's" address.
/// </summary>
[Collection(BuildTestCollection.Name)]
public sealed class ClusterListenTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    private string[] Serve(string jobDir, int port, params string[] extra) =>
    [
        "build", jobDir, "--construction", "det", "--model", fixture.Model, "--data", "fashion-mnist:train", "--limit", "64",
        "--shard-size", "32", "--batch-size", "16", "--steps", "10", "--eps", "2", "--step-size", "0.3", "--metrics", "none", "--threads", "1",
        "--serve", "--port", port.ToString(CultureInfo.InvariantCulture), .. extra,
    ];

    private RunningCli Coordinator(string jobDir, int port, params string[] extra)
    {
        var coordinator = RunningCli.Start(fixture.Root, Serve(jobDir, port, extra));
        Assert.True(coordinator.WaitUntil(() => coordinator.Stderr.Contains("coordinator listening on", StringComparison.Ordinal), Patience), coordinator.Stderr);
        return coordinator;
    }

    private string Conf(string name, string body)
    {
        var path = Path.Combine(fixture.Root, $"{name}-{Guid.NewGuid().ToString("N")[..8]}.conf");
        File.WriteAllText(path, body);
        return path;
    }

    private static void AssertOneErrorLine(CliProcess.Result result, params string[] expected)
    {
        Assert.True(result.ExitCode == 2, $"exit {result.ExitCode}: {result.Stderr}");
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line);
        foreach (var text in expected)
            Assert.Contains(text, line);
    }

    [Fact]
    public void No_node_listens_in_plain_tcp_beyond_loopback_unless_insecure_whichever_setting_names_the_address()
    {
        using var alias = new LoopbackAlias();
        var settings = fixture.Settings("listen", coordinatorTimeout: "60s");

        // --public-host is advertised to the workers, never bound.
        var port = FreePort.Next();
        using (var coordinator = Coordinator(fixture.NewJobDirectory("public"), port, "--cluster-conf", settings, "--public-host", alias.Address))
        {
            var sockets = ListeningPorts.WaitFor(coordinator.Pid, port, Patience);
            Assert.Contains(sockets, s => s.Port == port);
            Assert.All(sockets, s => Assert.True(s.IsLoopback, $"the coordinator listens on {s} ({string.Join(", ", sockets)})"));
            Assert.Contains($"listening on {alias.Address}:{port}", coordinator.Stderr);
        }
        using (var worker = RunningCli.Start(fixture.Root,
                   "worker", "--join", "127.0.0.1:1", "--devices", "cpu", "--cluster-conf", settings, "--public-host", alias.Address))
        {
            Assert.True(worker.WaitUntil(() => ListeningPorts.Of(worker.Pid).Count > 0, Patience), worker.Stderr);
            var sockets = ListeningPorts.Of(worker.Pid);
            Assert.All(sockets, s => Assert.True(s.IsLoopback, $"the worker listens on {s} ({string.Join(", ", sockets)})"));
        }

        // The address to bind, from --cluster-conf (the actor system's final settings) as from --host: refused before any work.
        var everywhere = Conf("everywhere", "akka.remote.dot-netty.tcp.hostname = \"0.0.0.0\"");
        var there = Conf("there", $"akka.remote.dot-netty.tcp.hostname = \"{alias.Address}\"");
        foreach (var (conf, address) in new[] { (everywhere, "0.0.0.0"), (there, alias.Address) })
        {
            var job = fixture.NewJobDirectory("refused");
            var served = CliProcess.Run(fixture.Root, Patience, Serve(job, FreePort.Next(), "--cluster-conf", conf));
            AssertOneErrorLine(served, address, "plain TCP", "--insecure", "--tls-cert");
            Assert.False(Directory.Exists(job), "the refused coordinator created its job directory");
            var worker = CliProcess.Run(fixture.Root, Patience, "worker", "--join", "127.0.0.1:1", "--devices", "cpu", "--cluster-conf", conf);
            AssertOneErrorLine(worker, address, "plain TCP");
        }
        var flagged = CliProcess.Run(fixture.Root, Patience, "worker", "--join", "127.0.0.1:1", "--devices", "cpu", "--host", alias.Address);
        AssertOneErrorLine(flagged, alias.Address, "plain TCP");
    }

    [Fact]
    public void With_insecure_host_0_0_0_0_or_hostname_0_0_0_0_listens_on_every_interface()
    {
        using var alias = new LoopbackAlias();
        var settings = fixture.Settings("insecure", coordinatorTimeout: "60s");
        var everywhere = Conf("everywhere", "akka.remote.dot-netty.tcp.hostname = \"0.0.0.0\"");
        foreach (var extra in new[] { new[] { "--host", "0.0.0.0", "--cluster-conf", settings }, ["--cluster-conf", everywhere] })
        {
            var port = FreePort.Next();
            using var coordinator = Coordinator(fixture.NewJobDirectory("insecure"), port, [.. extra, "--insecure", "--public-host", alias.Address]);
            var sockets = ListeningPorts.WaitFor(coordinator.Pid, port, Patience);
            Assert.True(sockets.Any(s => s.Port == port && s.IsWildcard), $"{string.Join(' ', extra)}: listens on {string.Join(", ", sockets)}");
            // Reachable at an address that is not loopback, as from another machine.
            using var client = new TcpClient();
            client.Connect(alias.Address, port);
        }
    }

    [Fact]
    public void A_second_coordinator_on_a_taken_port_exits_2_naming_it_and_the_first_serves_on()
    {
        var settings = fixture.Settings("taken", coordinatorTimeout: "60s");
        var port = FreePort.Next();
        var first = fixture.NewJobDirectory("first");
        using var coordinator = Coordinator(first, port, "--cluster-conf", settings);

        var second = fixture.NewJobDirectory("second");
        var refused = CliProcess.Run(fixture.Root, Patience, Serve(second, port, "--cluster-conf", settings, "--seed", "7"));
        AssertOneErrorLine(refused, $"port {port}", "taken");
        Assert.False(Directory.Exists(second), "the refused coordinator created its job directory");
        Assert.Equal([coordinator.Pid], ListeningPorts.ProcessesOn(port));
        var squatter = CliProcess.Run(fixture.Root, Patience,
            "worker", "--join", $"127.0.0.1:{port}", "--port", port.ToString(CultureInfo.InvariantCulture), "--devices", "cpu", "--cluster-conf", settings);
        AssertOneErrorLine(squatter, $"port {port}", "taken");
        Assert.Equal([coordinator.Pid], ListeningPorts.ProcessesOn(port));

        // The first coordinator was not disturbed: a worker joins it and its job completes.
        using var worker = RunningCli.Start(fixture.Root, "worker", "--join", $"127.0.0.1:{port}", "--devices", "cpu", "--threads", "1", "--cluster-conf", settings);
        var served = coordinator.WaitForExit(Patience);
        var worked = worker.WaitForExit(Patience);
        Assert.True(served.ExitCode == 0, served.Stderr);
        Assert.True(worked.ExitCode == 0, worked.Stderr);
        Assert.Equal(2, JobManifest.Read(first).Done.Count());
    }
}
