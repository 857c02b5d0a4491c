using StreamPipeline.Cluster.Protocol;
using StreamPipeline.Cluster.Workers;
using StreamPipeline.Data.Files;
using StreamPipeline.Pipeline.Specs;
using StreamPipeline.Pipeline.Streaming;

namespace StreamPipeline.Application.Building;

/// <summary>
/// The device side of a cluster worker: the offered job's spec with this machine's devices (and model path, when
/// given), prepared by the build service exactly as a local build would be — so the shard files are byte for byte the
/// ones a single process writes — after checking that the model and the data here are the job's (SHA-256 of the
/// checkpoint, fingerprint of the data).
/// </summary>
public sealed class ClusterWorkerBackend(IReadOnlyList<string> devices, string? model, string? dataRoot, Action<string> say) : IWorkerBackend
{
    public PreparedWork Prepare(JobOffer offer)
    {
        var spec = JobSpecLoader.Parse(offer.SpecHocon, new JobSpecOverrides { Devices = devices, Model = model }, "(the coordinator's job spec)");
        PreparedBuild prepared;
        try
        {
            prepared = BuildService.Prepare(spec, dataRoot, say);
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or StreamPipeline.Data.DataFormatException)
        {
            throw new WorkerCannotServeException($"this worker cannot open the job's model or data: {e.Message.Split('\n')[0]}");
        }
        try
        {
            if (!FileChecksum.Same(prepared.ModelSha256, offer.ModelSha256))
                throw new WorkerCannotServeException(
                    $"model {spec.Model} here has sha256 {FileChecksum.Short(prepared.ModelSha256)}, the job's is {FileChecksum.Short(offer.ModelSha256)}; give this worker the job's checkpoint (--model)");
            if (offer.DataFingerprint is { } expected && !FileChecksum.Same(prepared.DataFingerprint, expected))
                throw new WorkerCannotServeException(
                    $"data {spec.Data} here has fingerprint {FileChecksum.Short(prepared.DataFingerprint)}, the job's is {FileChecksum.Short(expected)}; give this worker the job's data (--data-root)");
            if (!FileChecksum.Same(prepared.Spec.SpecHash(prepared.ModelSha256), offer.SpecHash))
                throw new WorkerCannotServeException($"the job's spec resolves to hash {FileChecksum.Short(prepared.Spec.SpecHash(prepared.ModelSha256))} here, {FileChecksum.Short(offer.SpecHash)} there");
            return new PreparedWork(offer.SpecHash, prepared.Spec, prepared.Data, StartImageChooser.For(prepared.Spec, prepared.Data.Count), prepared.Perturbers, prepared.Sink);
        }
        catch
        {
            prepared.Dispose();
            throw;
        }
    }
}
