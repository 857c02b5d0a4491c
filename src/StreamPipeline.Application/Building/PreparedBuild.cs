using StreamPipeline.Data;
using StreamPipeline.Pipeline.Devices;
using StreamPipeline.Pipeline.Sinks;
using StreamPipeline.Pipeline.Specs;

namespace StreamPipeline.Application.Building;

/// <summary>A checked build: the spec with its devices resolved, the open source dataset and its fingerprint, the model's checksum, the perturbers and the sink.</summary>
public sealed record PreparedBuild(
    JobSpec Spec, IImageDataset Data, string ModelSha256, string DataFingerprint, DevicePlan Devices, IPerturberFactory Perturbers, IShardSink Sink) : IDisposable
{
    /// <summary>The examples the job builds: the first <c>limit</c> of the data, or all of it.</summary>
    public long TotalExamples => Spec.Limit is { } limit ? Math.Min(limit, Data.Count) : Data.Count;

    public void Dispose() => Data.Dispose();
}
