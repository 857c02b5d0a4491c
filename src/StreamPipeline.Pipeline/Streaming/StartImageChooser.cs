using StreamPipeline.Pipeline.Specs;

namespace StreamPipeline.Pipeline.Streaming;

/// <summary>
/// The default choice of start image x0 for representation matching (D_R, D_NR) in <c>other-image</c> mode:
/// another source image, a pure function of (seed, index), so a resumed job picks the same ones.
/// </summary>
public static class StartImageChooser
{
    /// <summary>The chooser the job needs, or null (det/rand, or noise starts).</summary>
    public static Func<long, long>? For(JobSpec spec, long datasetCount) =>
        SpecNames.IsRepresentationMatching(spec.Construction) && spec.StartMode == StartMode.OtherImage
            ? OtherImage(spec.Seed, datasetCount)
            : null;

    /// <summary>Maps index i to a uniformly chosen j ≠ i in [0, count).</summary>
    public static Func<long, long> OtherImage(long seed, long count)
    {
        if (count < 2)
            throw new ArgumentException($"start-mode other-image needs at least 2 source images, the dataset has {count}");
        return index =>
        {
            var j = (long)(Mix((ulong)seed * 0x9E3779B97F4A7C15UL ^ Mix((ulong)index)) % (ulong)(count - 1));
            return j >= index ? j + 1 : j;
        };
    }

    // SplitMix64's finaliser: a cheap, well-mixed hash of 64 bits.
    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
