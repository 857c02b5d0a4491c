using StreamPipeline.Models;
using StreamPipeline.Pipeline.Devices;
using StreamPipeline.Pipeline.Specs;
using StreamPipeline.Pipeline.Telemetry;

namespace StreamPipeline.Application.Building;

/// <summary>One build (or resume) of a job spec into a job directory.</summary>
/// <param name="DataRoot">Root of fashion-mnist: references; null for the default.</param>
/// <param name="Metrics">Shared instruments (the command's); a private set when null.</param>
/// <param name="Node">Recorded with each committed shard (a cluster node's address); null for a local build.</param>
public sealed record BuildRequest(JobSpec Spec, string JobDir, string? DataRoot, PipelineMetrics? Metrics = null, string? Node = null)
{
    /// <summary>
    /// Wraps the device workers' perturber factory (null: none). Bench uses it to warm each worker up and see when it is
    /// ready, so that it times the build's batches exactly as it times its bare loop's.
    /// </summary>
    public Func<IPerturberFactory, IPerturberFactory>? WrapPerturbers { get; init; }

    /// <summary>How the device workers prepare the model (bench measures each lever with it); every build uses all of them.</summary>
    public InferenceTransforms Transforms { get; init; } = InferenceTransforms.All;
}
