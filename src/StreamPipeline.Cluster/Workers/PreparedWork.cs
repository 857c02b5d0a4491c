using StreamPipeline.Data;
using StreamPipeline.Pipeline.Devices;
using StreamPipeline.Pipeline.Sinks;
using StreamPipeline.Pipeline.Specs;

namespace StreamPipeline.Cluster.Workers;

/// <summary>A worker ready to build shards of one job: the spec (with its own devices and model path), the open data, the perturbers, the sink.</summary>
public sealed record PreparedWork(string SpecHash, JobSpec Spec, IImageDataset Data, Func<long, long>? StartIndexFor, IPerturberFactory Perturbers, IShardSink Sink)
    : IDisposable
{
    public void Dispose()
    {
        (Perturbers as IDisposable)?.Dispose(); // a model loaded for a device that never started
        Data.Dispose();
    }
}
