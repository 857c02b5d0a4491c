namespace StreamPipeline.Data.Constructions;

/// <summary>Where representation matching (D_R, D_NR) starts: another training image, or seeded uniform noise.</summary>
public enum StartMode
{
    /// <summary>x0 is another training image, supplied by the loader in <see cref="PerturbRequest.StartPixels"/>.</summary>
    OtherImage,
    /// <summary>x0 is uniform noise in [0,1), seeded per example.</summary>
    Noise,
}
