namespace StreamPipeline.Application.Inspection;

/// <summary>What the example grid of <c>inspect --grid</c> shows.</summary>
/// <param name="Rows">Examples, one per grid row.</param>
/// <param name="DiffGain">Amplification of the difference column: grey 0.5 + gain × (constructed − source).</param>
/// <param name="Scale">Nearest-neighbour upscaling of each image; null picks one that makes images about 72 px.</param>
public sealed record GridSettings(int Rows = 8, float DiffGain = 4f, int? Scale = null)
{
    public const int MaxRows = 256;
    public const int MaxScale = 16;

    /// <summary>Checks every value; throws <see cref="ArgumentException"/> naming the first bad one.</summary>
    public GridSettings Validated()
    {
        if (Rows is < 1 or > MaxRows)
            throw new ArgumentException($"--grid-rows must be between 1 and {MaxRows}, got {Rows}");
        if (!(float.IsFinite(DiffGain) && DiffGain > 0))
            throw new ArgumentException($"grid difference gain must be a positive number, got {DiffGain}");
        if (Scale is < 1 or > MaxScale)
            throw new ArgumentException($"grid scale must be between 1 and {MaxScale}, got {Scale}");
        return this;
    }
}
