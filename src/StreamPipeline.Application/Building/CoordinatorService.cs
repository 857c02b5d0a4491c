using StreamPipeline.Cluster.Coordination;
using StreamPipeline.Pipeline.Jobs;
using StreamPipeline.Pipeline.Specs;
using StreamPipeline.Pipeline.Telemetry;

namespace StreamPipeline.Application.Building;

/// <summary>One job served to a cluster: the job directory, and where the coordinator listens.</summary>
/// <param name="Endpoint">Where the coordinator listens, and the address workers reach it at.</param>
public sealed record ServeRequest(JobSpec Spec, string JobDir, string? DataRoot, Cluster.ClusterEndpoint Endpoint, PipelineMetrics? Metrics = null);

/// <summary>
/// <c>build --serve</c>: checks the job as a local build would (checkpoint, data, fit; <see cref="BuildService.Check"/>),
/// opens (or resumes) the job directory, and serves its pending shards to cluster workers until every one is committed.
/// It never touches a tensor, so it never loads libtorch: the workers load the model onto their devices.
/// </summary>
public static class CoordinatorService
{
    public static async Task<CoordinatorResult> RunAsync(ServeRequest request, Action<CoordinatorStatus>? onStatus, Action<string> say, CancellationToken ct,
        Akka.Configuration.Config? akka = null)
    {
        using var checkedJob = BuildService.Check(request.Spec, request.DataRoot);
        using var directory = JobDirectory.Open(request.JobDir, checkedJob.Spec, checkedJob.ModelSha256, checkedJob.TotalExamples, checkedJob.DataFingerprint);
        foreach (var damaged in directory.DamagedShards)
            say($"{damaged.Path}: {damaged.Problem}; it will be rebuilt");
        var manifest = directory.Manifest;
        say($"serving {Data.Constructions.Names.Construction.Of(checkedJob.Spec.Construction)} of {checkedJob.Data.Reference} ({manifest.Shards.Count} shards, " +
            $"{manifest.DoneShards.Count()} done) from {directory.Root}");
        using var owned = request.Metrics is null ? new PipelineMetrics($"{request.Endpoint.PublicHost}:{request.Endpoint.Port}") : null;
        var tls = akka is not null && Cluster.ClusterTls.IsConfigured(akka);
        var job = new CoordinatorJob(checkedJob.Spec, directory, checkedJob.ModelSha256, checkedJob.DataFingerprint);
        var result = await ClusterCoordinator.RunAsync(job, request.Endpoint, akka, request.Metrics ?? owned!, onStatus,
            bound => say($"coordinator listening on {bound}{(tls ? " (TLS)" : "")}; start workers with: stream-pipeline worker --join {bound}{(tls ? " --tls-cert FILE" : "")}"), ct, say).ConfigureAwait(false);
        if (result.Complete)
            directory.Close(); // a manifest that cannot be made durable fails the job, loudly
        return result;
    }
}
