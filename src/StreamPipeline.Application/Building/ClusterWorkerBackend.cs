using StreamPipeline.Cluster.Protocol;
using StreamPipeline.Cluster.Workers;
using StreamPipeline.Data.Files;
using StreamPipeline.Pipeline.Specs;
using StreamPipeline.Pipeline.Streaming;

namespace StreamPipeline.Application.Building;

/// <summary>
/// The device side of a cluster worker: the offered job's spec with this machine's devices (and model path, when
/// given), checked against the offer — the checkpoint's SHA-256, the data's fingerprint and the spec hash, each
/// computed once here (<see cref="BuildService.Check"/>) before any model is loaded — then prepared by the build
/// service exactly as a local build would be, so the shard files are byte for byte the ones a single process writes.
/// </summary>
public sealed class ClusterWorkerBackend(IReadOnlyList<string> devices, string? model, string? dataRoot, Action<string> say) : IWorkerBackend
{
    public PreparedWork Prepare(JobOffer offer)
    {
        var spec = JobSpecLoader.Parse(offer.SpecHocon, new JobSpecOverrides { Devices = devices, Model = model }, "(the coordinator's job spec)");
        CheckedJob job;
        try
        {
            job = BuildService.Check(spec, dataRoot);
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or StreamPipeline.Data.DataFormatException)
        {
            throw new WorkerCannotServeException($"this worker cannot open the job's model or data: {e.Message.Split('\n')[0]}");
        }
        PreparedBuild prepared;
        try
        {
            if (!FileChecksum.Same(job.ModelSha256, offer.ModelSha256))
                throw new WorkerCannotServeException(
                    $"model {spec.Model} here has sha256 {FileChecksum.Short(job.ModelSha256)}, the job's is {FileChecksum.Short(offer.ModelSha256)}; give this worker the job's checkpoint (--model)");
            if (offer.DataFingerprint is { } expected && !FileChecksum.Same(job.DataFingerprint, expected))
                throw new WorkerCannotServeException(
                    $"data {spec.Data} here has fingerprint {FileChecksum.Short(job.DataFingerprint)}, the job's is {FileChecksum.Short(expected)}; give this worker the job's data (--data-root)");
            // Same checkpoint and data: a different hash means this build of the program reads the spec differently.
            if (!FileChecksum.Same(job.SpecHash, offer.SpecHash))
                throw new WorkerCannotServeException($"the job's spec resolves to hash {FileChecksum.Short(job.SpecHash)} here, {FileChecksum.Short(offer.SpecHash)} there");
            prepared = BuildService.Prepare(job, say);
        }
        catch (Exception e) when (e is not WorkerCannotServeException)
        {
            job.Dispose();
            if (e is ArgumentException or IOException or InvalidDataException)
                throw new WorkerCannotServeException($"this worker cannot load the job's model onto its devices: {e.Message.Split('\n')[0]}");
            throw;
        }
        catch
        {
            job.Dispose();
            throw;
        }
        return new PreparedWork(offer.SpecHash, prepared.Spec, prepared.Data, StartImageChooser.For(prepared.Spec, prepared.Data.Count),
            prepared.Perturbers, prepared.Sink);
    }
}
