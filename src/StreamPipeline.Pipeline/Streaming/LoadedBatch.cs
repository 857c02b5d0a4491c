
namespace StreamPipeline.Pipeline.Streaming;

/// <summary>Stream element after the load stage: a batch's source images (and start images), ready for a device.</summary>
public sealed record LoadedBatch(BatchPlan Plan, PerturbRequest Request);
