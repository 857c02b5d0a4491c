namespace StreamPipeline.Cli.Tests.Cluster;

/// <summary>
/// A small-cnn trained once (real train command, 512 Fashion-MNIST images, 1 epoch) and a cluster settings file with
/// short leases, so that failures play out in seconds: what the cluster tests share.
/// </summary>
public sealed class ClusterFixture : IDisposable
{
    private readonly TempDirectory _dir = new();

    public ClusterFixture()
    {
        Model = _dir.File("fashion.pt");
        var trained = CliProcess.Run(_dir.Path, "train", "--limit", "512", "--epochs", "1", "--out", Model, "--device", "cpu", "--threads", "1");
        if (trained.ExitCode != 0)
            throw new InvalidOperationException($"training the cluster fixture's model failed: {trained.Stderr}");
    }

    public string Root => _dir.Path;

    public string Model { get; }

    /// <summary>Leases of 4 s renewed every second; a worker gives up after <paramref name="coordinatorTimeout"/> without its coordinator; the split-brain resolver downs a silent node only after <paramref name="downAfter"/>.</summary>
    public string Settings(string name, string downAfter = "3s", string heartbeatPause = "3s", string coordinatorTimeout = "120s")
    {
        var path = _dir.File(name + ".conf");
        File.WriteAllText(path, $$"""
            stream-pipeline.cluster {
              lease-duration = 4s
              renew-interval = 1s
              coordinator-timeout = {{coordinatorTimeout}}
              reconnect-backoff-min = 500ms
              reconnect-backoff-max = 2s
              ask-timeout = 10s
            }
            akka.cluster {
              failure-detector.acceptable-heartbeat-pause = {{heartbeatPause}}
              split-brain-resolver.stable-after = {{downAfter}}
            }
            """);
        return path;
    }

    public string NewJobDirectory(string name) => _dir.File($"{name}-{Guid.NewGuid().ToString("N")[..8]}");

    public void Dispose() => _dir.Dispose();
}
