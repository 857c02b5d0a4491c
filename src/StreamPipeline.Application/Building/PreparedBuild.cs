using StreamPipeline.Data;
using StreamPipeline.Pipeline.Devices;
using StreamPipeline.Pipeline.Sinks;
using StreamPipeline.Pipeline.Specs;

namespace StreamPipeline.Application.Building;

/// <summary>A checked build: the spec with its devices resolved, the open source dataset and its fingerprint, the model's checksum, the perturbers and the sink.</summary>
public sealed record PreparedBuild(
    JobSpec Spec, IImageDataset Data, string ModelSha256, string DataFingerprint, DevicePlan Devices, IPerturberFactory Perturbers, IShardSink Sink) : IDisposable
{
    public void Dispose() => Data.Dispose();
}
