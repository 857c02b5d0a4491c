namespace StreamPipeline.Cluster.Workers;

/// <summary>Where a worker finds its coordinator and how it presents itself.</summary>
/// <param name="Coordinator">The coordinator's HOST:PORT.</param>
/// <param name="Endpoint">Where this worker listens and the address the coordinator reaches it at.</param>
/// <param name="PinnedSpecHash">Serve only the job with this spec hash.</param>
public sealed record WorkerOptions(string Coordinator, ClusterEndpoint Endpoint, IReadOnlyList<string> Devices, string? PinnedSpecHash);
