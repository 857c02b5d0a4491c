using StreamPipeline.Data;
using StreamPipeline.Pipeline.Planning;

namespace StreamPipeline.Pipeline.Streaming;

/// <summary>Stream element after the relabel stage: a batch's output rows, in source order.</summary>
public sealed record RelabeledBatch(BatchPlan Plan, IReadOnlyList<ConstructedRow> Rows);
