namespace StreamPipeline.Cli.Tests.Build;

/// <summary>One row of a built dataset as DuckDB reads it (<c>image.bytes</c> as <see cref="Png"/>).</summary>
public sealed record BuiltRow(
    long Index,
    int Label,
    int SourceLabel,
    long? StartIndex,
    byte[] Pixels,
    byte[] Png,
    string? ImagePath,
    bool AttackSuccess,
    float Distance)
{
    /// <summary>The exact float32 pixels (little-endian in the file).</summary>
    public float[] PixelValues()
    {
        var values = new float[Pixels.Length / sizeof(float)];
        for (var i = 0; i < values.Length; i++)
            values[i] = BitConverter.ToSingle(Pixels, i * sizeof(float)); // little-endian machine, as the format
        return values;
    }
}
