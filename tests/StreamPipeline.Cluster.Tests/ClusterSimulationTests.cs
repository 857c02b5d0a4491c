using StreamPipeline.Cluster.Simulation;

namespace StreamPipeline.Cluster.Tests;

/// <summary>The real coordinator (leases, StreamRef deliveries, checks, commits, manifest) under many instant workers.</summary>
public sealed class ClusterSimulationTests
{
    [Fact]
    public async Task Two_thousand_shards_over_sixteen_workers_are_each_leased_and_committed_exactly_once()
    {
        using var dir = new TempDirectory();

        var report = await ClusterSimulation.RunAsync(dir.Path, shards: 2000, workers: 16, CancellationToken.None);

        Assert.Equal(2000, report.Commits);
        Assert.Equal(2000, report.LeasesGranted);
        Assert.Equal(0, report.Discarded);
        Assert.True(report.Compactions >= 2, $"{report.Compactions} compactions");
    }

    [Fact]
    public async Task The_manifests_cost_per_commit_does_not_grow_with_the_job()
    {
        using var dir = new TempDirectory();

        var small = await ClusterSimulation.RunAsync(dir.Path, shards: 1500, workers: 8, CancellationToken.None);
        var large = await ClusterSimulation.RunAsync(dir.Path, shards: 6000, workers: 8, CancellationToken.None);

        // Bytes, not time: deterministic. A full rewrite per commit would make this ratio about 4.
        Assert.InRange(large.ManifestBytesPerCommit / small.ManifestBytesPerCommit, 0.6, 1.6);
    }
}
