using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using StreamPipeline.Cli.Tests.Build;
using StreamPipeline.Cli.Tests.Observability;

namespace StreamPipeline.Cli.Tests.Cluster;

/// <summary>
/// TLS between cluster nodes, through real processes on 127.0.0.1 and real certificates: a coordinator given
/// --tls-cert serves only workers holding the same certificate; a worker with another certificate or with none never
/// joins and gives up, and the coordinator names each refused connection once; cluster-cert makes (or keeps) the
/// certificate; bad certificate options and listening beyond loopback without TLS are usage errors.
/// </summary>
[Collection(BuildTestCollection.Name)]
public sealed class ClusterTlsTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private const string Password = "cluster-secret";
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(4);
    private static readonly Dictionary<string, string> WithPassword = new() { ["STREAMPIPELINE_TLS_PASSWORD"] = Password };

    /// <summary>A self-signed certificate with its private key, as PKCS#12 protected by <see cref="Password"/>.</summary>
    private string Certificate(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var path = Path.Combine(fixture.Root, $"{name}-{Guid.NewGuid().ToString("N")[..8]}.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, Password));
        return path;
    }

    private string[] Build(string jobDir) =>
    [
        "build", jobDir, "--construction", "det", "--model", fixture.Model, "--data", "fashion-mnist:train", "--limit", "96",
        "--shard-size", "32", "--batch-size", "16", "--steps", "20", "--eps", "2", "--step-size", "0.3", "--metrics", "none", "--threads", "1",
    ];

    private RunningCli Worker(int port, string settings, params string[] extra) =>
        RunningCli.Start(fixture.Root, WithPassword, ["worker", "--join", $"127.0.0.1:{port}", "--devices", "cpu", "--threads", "1", "--cluster-conf", settings, .. extra]);

    [Fact]
    public void Only_workers_holding_the_coordinators_certificate_join_and_the_output_is_the_single_process_output()
    {
        var cluster = Certificate("cluster");
        var foreign = Certificate("foreign");
        var job = fixture.NewJobDirectory("tls");
        var port = FreePort.Next();
        var settings = fixture.Settings("tls", coordinatorTimeout: "8s");

        using var coordinator = RunningCli.Start(fixture.Root, WithPassword,
            [.. Build(job), "--serve", "--port", port.ToString(CultureInfo.InvariantCulture), "--cluster-conf", settings, "--tls-cert", cluster]);
        Assert.True(coordinator.WaitUntil(() => coordinator.Stderr.Contains("coordinator listening on", StringComparison.Ordinal), Patience), coordinator.Stderr);
        Assert.Contains("(TLS)", coordinator.Stderr);

        // What a Kubernetes tcpSocket probe does: connect, send nothing, close.
        using (var probe = new System.Net.Sockets.TcpClient())
            probe.Connect(System.Net.IPAddress.Loopback, port);

        using (var withForeign = Worker(port, settings, "--tls-cert", foreign))
        using (var withNone = Worker(port, settings))
        {
            foreach (var refused in new[] { withForeign, withNone })
            {
                var result = refused.WaitForExit(TimeSpan.FromMinutes(2));
                Assert.True(result.ExitCode != 0, result.Stderr);
                Assert.Contains("did not answer", result.Stderr);
                Assert.DoesNotContain("serving job", result.Stderr);
            }
        }
        Assert.DoesNotContain(" alive, ", coordinator.Stderr);
        Assert.Equal(0, JobManifest.DoneCountWhileRunning(job));
        // The coordinator names each refusal once, with its reason, though each refused worker tried several times.
        var refusals = coordinator.Stderr.Split('\n').Where(l => l.StartsWith("coordinator: refused a connection from 127.0.0.1: ", StringComparison.Ordinal)).ToList();
        Assert.True(refusals.Count == 3, coordinator.Stderr);
        Assert.Single(refusals, l => l.Contains("its certificate is not this cluster's", StringComparison.Ordinal));
        Assert.Single(refusals, l => l.Contains("it spoke plain TCP, not TLS", StringComparison.Ordinal));
        Assert.Single(refusals, l => l.Contains("it closed the connection before any TLS handshake", StringComparison.Ordinal));
        Assert.DoesNotContain("[WARNING]", coordinator.Stderr);
        Assert.DoesNotContain("[ERROR]", coordinator.Stderr);

        using var trusted = Worker(port, settings, "--tls-cert", cluster);
        var served = coordinator.WaitForExit(Patience);
        var worked = trusted.WaitForExit(TimeSpan.FromMinutes(1));

        Assert.True(served.ExitCode == 0, served.Stderr);
        Assert.True(worked.ExitCode == 0, worked.Stderr);
        Assert.Contains("job finished", worked.Stderr);
        var single = fixture.NewJobDirectory("tls-single");
        var reference = CliProcess.Run(fixture.Root, Patience, Build(single));
        Assert.True(reference.ExitCode == 0, reference.Stderr);
        Assert.Equal(Checksums(single), Checksums(job));
    }

    [Fact]
    public void Certificate_problems_and_listening_beyond_loopback_without_tls_are_one_line_and_exit_2()
    {
        var cluster = Certificate("cluster");
        var cases = new (string[] Args, Dictionary<string, string> Environment, string Expected)[]
        {
            (["--tls-cert", Path.Combine(fixture.Root, "no-such.pfx")], WithPassword, "not found"),
            (["--tls-cert", cluster], new() { ["STREAMPIPELINE_TLS_PASSWORD"] = "wrong" }, "cannot be read as PKCS#12"),
            (["--host", "0.0.0.0"], WithPassword, "--tls-cert"),
        };
        foreach (var (args, environment, expected) in cases)
        {
            var result = CliProcess.Run(fixture.Root, TimeSpan.FromMinutes(1), environment,
                ["worker", "--join", "127.0.0.1:1", "--devices", "cpu", .. args]);
            Assert.True(result.ExitCode == 2, $"{string.Join(' ', args)}: exit {result.ExitCode}: {result.Stderr}");
            Assert.Contains(expected, result.Stderr);
            Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }

        // With the certificate, every interface is allowed (TLS, only holders join); the worker then looks for its coordinator.
        using var listening = RunningCli.Start(fixture.Root, WithPassword,
            ["worker", "--join", "127.0.0.1:1", "--devices", "cpu", "--host", "0.0.0.0", "--public-host", "127.0.0.1", "--tls-cert", cluster,
             "--cluster-conf", fixture.Settings("tls-any", coordinatorTimeout: "2s")]);
        var ended = listening.WaitForExit(TimeSpan.FromMinutes(1));
        Assert.True(ended.ExitCode != 2, ended.Stderr);
        Assert.Contains("did not answer", ended.Stderr);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void Cluster_cert_makes_a_private_certificate_that_a_coordinator_and_a_worker_build_with_and_never_overwrites_it()
    {
        var folder = Path.Combine(fixture.Root, $"certs-{Guid.NewGuid().ToString("N")[..8]}");
        var made = CliProcess.Run(fixture.Root, "cluster-cert", "--out", folder);
        Assert.True(made.ExitCode == 0, made.Stderr);
        var path = made.Stdout.Trim();
        Assert.Equal(Path.Combine(folder, "cluster.pfx"), path);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
        using (var loaded = X509CertificateLoader.LoadPkcs12FromFile(path, ""))
        {
            Assert.True(loaded.HasPrivateKey);
            Assert.True(loaded.NotAfter > DateTime.UtcNow.AddDays(364));
        }
        var before = File.ReadAllBytes(path);
        var again = CliProcess.Run(fixture.Root, "cluster-cert", "--out", folder);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("already exists", Assert.Single(again.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Equal(before, File.ReadAllBytes(path));

        // --keep-existing: a usable certificate is kept (exit 0, same bytes), so a step run before every start of a
        // cluster can make it once; one that nodes could not use is still one line and exit 2.
        var kept = CliProcess.Run(fixture.Root, "cluster-cert", "--out", folder, "--keep-existing");
        Assert.True(kept.ExitCode == 0, kept.Stderr);
        Assert.Equal(path, kept.Stdout.Trim());
        Assert.Contains("kept", kept.Stderr);
        Assert.Equal(before, File.ReadAllBytes(path));
        var wrongPassword = CliProcess.Run(fixture.Root, TimeSpan.FromMinutes(1), WithPassword, ["cluster-cert", "--out", folder, "--keep-existing"]);
        Assert.Equal(2, wrongPassword.ExitCode);
        Assert.Contains("cannot be read as PKCS#12", Assert.Single(wrongPassword.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        var damagedFolder = Path.Combine(fixture.Root, $"certs-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(damagedFolder);
        File.WriteAllBytes(Path.Combine(damagedFolder, "cluster.pfx"), before[..(before.Length / 2)]);
        var damaged = CliProcess.Run(fixture.Root, "cluster-cert", "--out", damagedFolder, "--keep-existing");
        Assert.Equal(2, damaged.ExitCode);
        Assert.Contains("--keep-existing keeps only a usable certificate", Assert.Single(damaged.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        var fresh = Path.Combine(fixture.Root, $"certs-{Guid.NewGuid().ToString("N")[..8]}");
        var madeKeeping = CliProcess.Run(fixture.Root, "cluster-cert", "--out", fresh, "--keep-existing");
        Assert.True(madeKeeping.ExitCode == 0, madeKeeping.Stderr);
        Assert.Contains("wrote", madeKeeping.Stderr);
        Assert.True(File.Exists(Path.Combine(fresh, "cluster.pfx")));

        // The made certificate works as the cluster's: coordinator and worker build a job over TLS (no password set).
        var job = fixture.NewJobDirectory("tls-made");
        var port = FreePort.Next();
        var settings = fixture.Settings("tls-made", coordinatorTimeout: "8s");
        var none = new Dictionary<string, string>();
        using var coordinator = RunningCli.Start(fixture.Root, none,
            [.. Build(job).Select(a => a == "96" ? "32" : a), "--serve", "--port", port.ToString(CultureInfo.InvariantCulture), "--cluster-conf", settings, "--tls-cert", path]);
        Assert.True(coordinator.WaitUntil(() => coordinator.Stderr.Contains("coordinator listening on", StringComparison.Ordinal), Patience), coordinator.Stderr);
        Assert.Contains("(TLS)", coordinator.Stderr);
        using var worker = RunningCli.Start(fixture.Root, none,
            ["worker", "--join", $"127.0.0.1:{port}", "--devices", "cpu", "--threads", "1", "--cluster-conf", settings, "--tls-cert", path]);
        var served = coordinator.WaitForExit(Patience);
        var worked = worker.WaitForExit(TimeSpan.FromMinutes(1));
        Assert.True(served.ExitCode == 0, served.Stderr);
        Assert.True(worked.ExitCode == 0, worked.Stderr);
        Assert.Single(JobManifest.Read(job).Done);
    }

    private static IReadOnlyDictionary<int, string> Checksums(string jobDir) => JobManifest.Read(jobDir).Done.ToDictionary(s => s.Id, s => s.Sha256!);
}
