using StreamPipeline.Data;
using StreamPipeline.Pipeline.Devices;
using StreamPipeline.Pipeline.Sinks;
using StreamPipeline.Pipeline.Specs;

namespace StreamPipeline.Application.Building;

/// <summary>
/// A checked build made ready for its devices: the spec with its devices resolved, the device plan, the perturbers
/// (the checkpoint's verified bytes, loaded once per device) and the sink. Dispose to close the data and release a
/// model loaded for a device that never started.
/// </summary>
public sealed class PreparedBuild(CheckedJob job, JobSpec spec, DevicePlan devices, ModelPerturberFactory perturbers, IShardSink sink) : IDisposable
{
    public CheckedJob Job { get; } = job;

    /// <summary>The job's spec with <c>auto</c> resolved to the devices found.</summary>
    public JobSpec Spec { get; } = spec;

    public DevicePlan Devices { get; } = devices;
    public ModelPerturberFactory Perturbers { get; } = perturbers;
    public IShardSink Sink { get; } = sink;

    public IImageDataset Data => Job.Data;
    public string ModelSha256 => Job.ModelSha256;
    public string DataFingerprint => Job.DataFingerprint;
    public long TotalExamples => Job.TotalExamples;

    public void Dispose()
    {
        Perturbers.Dispose();
        Job.Dispose();
    }
}
