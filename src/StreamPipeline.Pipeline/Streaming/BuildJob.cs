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

    /// <summary>On resume, re-hash the files of done shards instead of checking their sizes only.</summary>
    public bool VerifyChecksums { get; init; }
}
