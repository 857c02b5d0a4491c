namespace StreamPipeline.Cluster.Workers;

/// <summary>Where a worker finds its coordinator and how it presents itself.</summary>
/// <param name="Coordinator">The coordinator's HOST:PORT.</param>
/// <param name="BindHost">The address to listen on (0.0.0.0 for all).</param>
/// <param name="PublicHost">The address the coordinator reaches this worker at.</param>
/// <param name="Port">0 picks a free port.</param>
/// <param name="PinnedSpecHash">Serve only the job with this spec hash.</param>
/// <param name="ScratchDir">Where built shards wait for their upload.</param>
public sealed record WorkerOptions(string Coordinator, string BindHost, string PublicHost, int Port, IReadOnlyList<string> Devices, string? PinnedSpecHash, string ScratchDir);
