namespace StreamPipeline.Cluster.Coordination;

/// <summary>How a coordinated job ended: every shard committed, or failed with a one-line message.</summary>
public sealed record CoordinatorResult(bool Complete, string Message, CoordinatorStatus Status);
