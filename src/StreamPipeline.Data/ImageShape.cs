namespace StreamPipeline.Data;

/// <summary>Shape of one image, channels × height × width.</summary>
public sealed record ImageShape(int Channels, int Height, int Width)
{
    /// <summary>Number of float values in one image.</summary>
    public int Size => Channels * Height * Width;

    public override string ToString() => $"{Channels}x{Height}x{Width}";
}
