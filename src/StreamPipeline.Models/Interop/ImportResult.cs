namespace StreamPipeline.Models.Interop;

/// <summary>The checkpoint an import wrote (its sidecar) and how many tensors it took from the source.</summary>
public sealed record ImportResult(CheckpointInfo Checkpoint, int Tensors);
