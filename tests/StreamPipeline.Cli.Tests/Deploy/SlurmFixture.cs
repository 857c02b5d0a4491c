using System.Globalization;
using StreamPipeline.Cli.Tests.Build;
using StreamPipeline.Cli.Tests.Observability;

namespace StreamPipeline.Cli.Tests.Deploy;

/// <summary>
/// What the Slurm tests share: a one-node Slurm, a small-cnn trained once (real train command, 256 Fashion-MNIST
/// images, 1 epoch), short-lease cluster settings, and the single-process build of the job every Slurm run must equal.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SlurmFixture : IDisposable
{
    /// <summary>
    /// 8 shards of 32 images; 100 PGD steps make each shard take long enough (about 2.5 s a worker on a quiet 2-core
    /// machine) that a test can act between commits. At 20 steps a quiet machine finished the job before a late-starting
    /// second worker held a lease, and before a scancel's SIGTERM left any shard pending.
    /// </summary>
    private const int Limit = 256;
    public const int ShardCount = 8;

    public SlurmFixture()
    {
        Cluster = new SlurmCluster();
        try
        {
            Model = Path.Combine(Cluster.Root, "fashion.pt");
            var trained = CliProcess.Run(Cluster.Root, "train", "--limit", Limit.ToString(CultureInfo.InvariantCulture), "--epochs", "1",
                "--out", Model, "--device", "cpu", "--threads", "1");
            if (trained.ExitCode != 0)
                throw new InvalidOperationException($"training the Slurm tests' model failed: {trained.Stderr}");
            ClusterSettings = Path.Combine(Cluster.Root, "cluster.conf");
            // Leases of 4 s renewed every second: a killed worker's shards go back to the queue within seconds.
            File.WriteAllText(ClusterSettings, """
                stream-pipeline.cluster {
                  lease-duration = 4s
                  renew-interval = 1s
                  coordinator-timeout = 60s
                  reconnect-backoff-min = 500ms
                  reconnect-backoff-max = 2s
                }
                akka.cluster {
                  failure-detector.acceptable-heartbeat-pause = 3s
                  split-brain-resolver.stable-after = 3s
                }
                """);
            Reference = Path.Combine(Cluster.Root, "single-process");
            // The same spec and batch size as the Slurm job, one libtorch thread as each worker has (--cpus-per-task=1).
            var built = CliProcess.Run(Cluster.Root, TimeSpan.FromMinutes(5), ["build", Reference, .. BuildFlags, "--threads", "1"]);
            if (built.ExitCode != 0)
                throw new InvalidOperationException($"the single-process reference build failed: {built.Stderr}");
        }
        catch
        {
            Cluster.Dispose();
            throw;
        }
    }

    public SlurmCluster Cluster { get; }

    public string Model { get; }

    public string ClusterSettings { get; }

    /// <summary>The job directory of the single-process build.</summary>
    public string Reference { get; }

    public static string Script => Path.Combine(RepositoryRoot.Path, "deploy", "slurm", "stream-pipeline.sbatch");

    /// <summary>The job: a D_det build of the first 256 Fashion-MNIST training images.</summary>
    public string[] BuildFlags =>
    [
        "--construction", "det", "--model", Model, "--data", "fashion-mnist:train", "--limit", Limit.ToString(CultureInfo.InvariantCulture),
        "--shard-size", "32", "--batch-size", "16", "--steps", "100", "--eps", "2", "--step-size", "0.3", "--metrics", "none",
    ];

    /// <summary>A fresh job directory path (not created).</summary>
    public string NewJobDirectory(string name) => Path.Combine(Cluster.Root, $"{name}-{Guid.NewGuid().ToString("N")[..8]}");

    /// <summary>
    /// Submits the shipped script for the job in <paramref name="jobDir"/>, configured as its README says (environment
    /// variables, <paramref name="settings"/> added), on one node with 2 workers of one CPU each; the coordinator runs
    /// beside them.
    /// </summary>
    public SubmittedJob Submit(string jobDir, string logName, IReadOnlyDictionary<string, string>? settings = null)
    {
        var environment = new Dictionary<string, string>(Cluster.ClientEnvironment)
        {
            ["SP"] = Path.Combine(AppContext.BaseDirectory, "stream-pipeline"),
            ["JOB_DIR"] = jobDir,
            ["BUILD_FLAGS"] = string.Join(' ', BuildFlags),
            ["CLUSTER_CONF"] = ClusterSettings,
            ["OMP_NUM_THREADS"] = "1",
            // Job ids start at 1 in every test cluster, and the script's port would then always be 20001, 20002, …:
            // a free one is drawn instead (it stays the job's across a requeue, as the script's own would).
            ["PORT"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
            environment[name] = value;
        // The program's apphost finds .NET where this test host runs from (it need not be on a default path).
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" && Environment.GetEnvironmentVariable("DOTNET_ROOT") is null)
            environment["DOTNET_ROOT"] = Path.GetDirectoryName(Environment.ProcessPath)!;
        // A runaway job ends at 10 minutes, whatever the test does.
        return SubmittedJob.Submit(Cluster, Script, Path.Combine(Cluster.Root, $"{logName}-{Guid.NewGuid().ToString("N")[..8]}.out"), environment,
            "--ntasks-per-node=2", "--cpus-per-task=1", "--time=10");
    }

    /// <summary>SHA-256 of every file in the job's data/ folder, by name.</summary>
    public static IReadOnlyDictionary<string, string> ShardFiles(string jobDir) =>
        Directory.EnumerateFiles(Path.Combine(jobDir, "data")).ToDictionary(f => Path.GetFileName(f)!, JobManifest.Sha256Of);

    public void Dispose() => Cluster.Dispose();
}
