using StreamPipeline.Data;

namespace StreamPipeline.Pipeline.Streaming;

/// <summary>Stream element after the relabel stage: a batch's output rows, in source order.</summary>
public sealed record RelabeledBatch(BatchPlan Plan, IReadOnlyList<ConstructedRow> Rows);
