namespace StreamPipeline.Pipeline.Specs;

/// <summary>Where representation matching (D_R, D_NR) starts its search.</summary>
public enum StartMode
{
    /// <summary><c>other-image</c>: another source image, chosen per example from the seed.</summary>
    OtherImage,
    /// <summary><c>noise</c>: uniform noise drawn by the construction.</summary>
    Noise,
}
