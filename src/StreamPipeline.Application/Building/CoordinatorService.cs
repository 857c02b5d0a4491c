using StreamPipeline.Cluster.Coordination;
using StreamPipeline.Pipeline.Jobs;
using StreamPipeline.Pipeline.Specs;
using StreamPipeline.Pipeline.Telemetry;

namespace StreamPipeline.Application.Building;

/// <summary>One job served to a cluster: the job directory, and where the coordinator listens.</summary>
/// <param name="BindHost">The address to listen on (127.0.0.1, or 0.0.0.0 for all).</param>
/// <param name="PublicHost">The address workers reach the coordinator at.</param>
public sealed record ServeRequest(JobSpec Spec, string JobDir, string? DataRoot, string BindHost, int Port, string PublicHost, PipelineMetrics? Metrics = null);

/// <summary>
/// <c>build --serve</c>: checks the job as a local build would (checkpoint, data, fit), opens (or resumes) the job
/// directory, and serves its pending shards to cluster workers until every one is committed.
/// </summary>
public static class CoordinatorService
{
    public static async Task<CoordinatorResult> RunAsync(ServeRequest request, Action<CoordinatorStatus>? onStatus, Action<string> say, CancellationToken ct,
        Akka.Configuration.Config? akka = null)
    {
        using var prepared = BuildService.Prepare(request.Spec, request.DataRoot, say);
        using var directory = JobDirectory.Open(request.JobDir, prepared.Spec, prepared.ModelSha256, prepared.TotalExamples, prepared.DataFingerprint);
        foreach (var damaged in directory.DamagedShards)
            say($"{damaged.Path}: {damaged.Problem}; it will be rebuilt");
        var manifest = directory.Manifest;
        say($"serving {Data.Constructions.Names.Construction.Of(prepared.Spec.Construction)} of {prepared.Data.Reference} ({manifest.Shards.Count} shards, " +
            $"{manifest.DoneShards.Count()} done) from {directory.Root}");
        using var owned = request.Metrics is null ? new PipelineMetrics($"{request.PublicHost}:{request.Port}") : null;
        var tls = akka is not null && Cluster.ClusterTls.IsConfigured(akka);
        var job = new CoordinatorJob(prepared.Spec, directory, prepared.ModelSha256, prepared.DataFingerprint);
        var result = await ClusterCoordinator.RunAsync(job, request.BindHost, request.Port, request.PublicHost, akka, request.Metrics ?? owned!, onStatus,
            bound => say($"coordinator listening on {bound}{(tls ? " (TLS)" : "")}; start workers with: stream-pipeline worker --join {bound}{(tls ? " --tls-cert FILE" : "")}"), ct, say).ConfigureAwait(false);
        if (result.Complete)
            directory.Close(); // a manifest that cannot be made durable fails the job, loudly
        return result;
    }
}
