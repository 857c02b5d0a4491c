using StreamPipeline.Data;
using StreamPipeline.Models;
using StreamPipeline.Pipeline.Specs;

namespace StreamPipeline.Application.Building;

/// <summary>
/// What every side of a build agrees on before any device is touched: the spec, the open source dataset and its
/// fingerprint, the checkpoint read and verified once, and the spec hash computed once. Making one needs no libtorch:
/// it is all a coordinator needs. Dispose to close the data.
/// </summary>
public sealed class CheckedJob : IDisposable
{
    internal CheckedJob(JobSpec spec, IImageDataset data, VerifiedCheckpoint checkpoint, string dataFingerprint)
    {
        Spec = spec;
        Data = data;
        Checkpoint = checkpoint;
        DataFingerprint = dataFingerprint;
        SpecHash = spec.SpecHash(checkpoint.Sha256);
    }

    public JobSpec Spec { get; }
    public IImageDataset Data { get; }
    public VerifiedCheckpoint Checkpoint { get; }
    public string DataFingerprint { get; }

    /// <summary>The job's identity: <see cref="JobSpec.SpecHash"/> of the spec with the checkpoint's SHA-256.</summary>
    public string SpecHash { get; }

    public string ModelSha256 => Checkpoint.Sha256;

    /// <summary>The examples the job builds: the first <c>limit</c> of the data, or all of it.</summary>
    public long TotalExamples => Spec.Limit is { } limit ? Math.Min(limit, Data.Count) : Data.Count;

    public void Dispose() => Data.Dispose();
}
