namespace StreamPipeline.Data.Readers;

/// <summary>8-bit pixel values to the float32 [0,1] the pipeline uses.</summary>
internal static class PixelBytes
{
    /// <summary>Writes byte / 255 for each byte.</summary>
    public static void ToFloats(ReadOnlySpan<byte> bytes, Span<float> pixels)
    {
        for (var i = 0; i < bytes.Length; i++)
            pixels[i] = bytes[i] / 255f;
    }
}
