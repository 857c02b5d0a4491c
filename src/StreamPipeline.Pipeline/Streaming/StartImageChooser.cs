using StreamPipeline.Pipeline.Specs;

namespace StreamPipeline.Pipeline.Streaming;

/// <summary>
/// The default choice of start image x0 for representation matching (D_R, D_NR) in <c>other-image</c> mode:
/// another source image by a seeded permutation without fixed points (<see cref="StartImagePlan"/>), a pure function
/// of (seed, index, dataset size), so a resumed job picks the same ones.
/// </summary>
public static class StartImageChooser
{
    /// <summary>The chooser the job needs, or null (det/rand, or noise starts).</summary>
    public static Func<long, long>? For(JobSpec spec, long datasetCount) =>
        spec.Construction.IsRepresentationMatching() && spec.StartMode == StartMode.OtherImage
            ? OtherImage(spec.Seed, datasetCount)
            : null;

    /// <summary>Maps index i to π(i) ≠ i for a seeded permutation π of [0, count).</summary>
    public static Func<long, long> OtherImage(long seed, long count)
    {
        if (count < 2)
            throw new ArgumentException($"start-mode other-image needs at least 2 source images, the dataset has {count}");
        if (count > int.MaxValue)
            throw new ArgumentException($"start-mode other-image supports at most {int.MaxValue} source images, the dataset has {count}");
        var plan = StartImagePlan.Create((int)count, seed);
        return plan.StartIndexOf;
    }
}
