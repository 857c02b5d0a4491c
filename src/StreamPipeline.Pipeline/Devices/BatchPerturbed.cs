namespace StreamPipeline.Pipeline.Devices;

/// <summary>The <see cref="DevicePool"/>'s reply: the whole batch, in order (merged again if it was split).</summary>
public sealed record BatchPerturbed(BatchPlan Plan, ConstructedBatch Result);
