namespace StreamPipeline.Cluster.Coordination;

/// <summary>One worker as the coordinator sees it: alive or gone, leases held, what it committed and at what rate.</summary>
public sealed record WorkerView(string Worker, bool Alive, bool Ready, int Leases, int ShardsCommitted, long RowsCommitted, double ImagesPerSecond, int Discarded);
