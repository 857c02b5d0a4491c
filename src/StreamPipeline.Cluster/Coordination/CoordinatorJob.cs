using StreamPipeline.Pipeline.Jobs;
using StreamPipeline.Pipeline.Specs;

namespace StreamPipeline.Cluster.Coordination;

/// <summary>What a coordinator serves: the open job directory (locked, resumed) and the job's identity.</summary>
/// <param name="DataFingerprint">The source data's fingerprint on the coordinator's machine; workers must match it.</param>
public sealed record CoordinatorJob(JobSpec Spec, JobDirectory Directory, string ModelSha256, string? DataFingerprint);
