using StreamPipeline.Data;
using StreamPipeline.Pipeline.Devices;
using StreamPipeline.Pipeline.Sinks;
using StreamPipeline.Pipeline.Specs;

namespace StreamPipeline.Pipeline.Streaming;

/// <summary>Everything a build needs: the spec, the job directory, the data, the device work, the shard sink, the model checksum.</summary>
public sealed record BuildJob(
    JobSpec Spec,
    string JobDir,
    IImageDataset Data,
    IPerturberFactory Perturbers,
    IShardSink Sink,
    string ModelSha256)
{
    /// <summary>Start image of each example for D_R/D_NR; default <see cref="StartImageChooser.For"/>.</summary>
    public Func<long, long>? StartIndexFor { get; init; }

    /// <summary>The source data's <see cref="DatasetFingerprint"/>, recorded in a new manifest and checked on resume; null skips both.</summary>
    public string? DataFingerprint { get; init; }

    /// <summary>The node that builds, recorded with each shard it commits (a cluster worker's address); null for a local build.</summary>
    public string? Node { get; init; }
}
