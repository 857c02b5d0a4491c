namespace StreamPipeline.Cluster.Simulation;

/// <summary>One simulated job: how fast the coordinator handed out leases and committed shards, and what each commit cost the manifest.</summary>
public sealed record SimulationReport(int Shards, int Workers, TimeSpan Elapsed, long LeasesGranted, int Commits, long ManifestBytes, int Compactions,
    TimeSpan ManifestTime, long Discarded)
{
    public double LeasesPerSecond => LeasesGranted / Elapsed.TotalSeconds;

    public double CommitsPerSecond => Commits / Elapsed.TotalSeconds;

    public double ManifestBytesPerCommit => (double)ManifestBytes / Math.Max(1, Commits);

    public double ManifestMicrosecondsPerCommit => ManifestTime.TotalMicroseconds / Math.Max(1, Commits);
}
