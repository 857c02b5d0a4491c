namespace StreamPipeline.Cli.Inspection;

/// <summary>A colour with channels in [0,1].</summary>
public readonly record struct Rgb(float R, float G, float B)
{
    public static Rgb Grey(float v) => new(v, v, v);
}
