using StbImageSharp;

namespace StreamPipeline.Tests.Shared;

/// <summary>
/// Compares a constructed dataset's PNG values with its exact float32 pixels: each PNG value must be the float32
/// rounding <c>round(clamp(v, 0, 1) · 255)</c> (product in float32, ties to even); also counts where a reader working in
/// double precision, <c>round(double(v) · 255)</c>, would get another value. The PNG is decoded by stb_image, not by
/// the program's codec.
/// </summary>
public static class PngRounding
{
    /// <summary>Counts over a set of rows.</summary>
    /// <param name="NotFloat32Rounding">PNG values that are not the float32 rounding (the format says zero).</param>
    public sealed record Tally(long Images, long Values, long NotFloat32Rounding, long ImagesWhereDoubleDiffers, long ValuesWhereDoubleDiffers)
    {
        public double DoubleDiffersShareOfImages => Images == 0 ? 0 : (double)ImagesWhereDoubleDiffers / Images;

        public Tally Add(Tally o) => new(Images + o.Images, Values + o.Values, NotFloat32Rounding + o.NotFloat32Rounding,
            ImagesWhereDoubleDiffers + o.ImagesWhereDoubleDiffers, ValuesWhereDoubleDiffers + o.ValuesWhereDoubleDiffers);
    }

    /// <summary>Measures rows of (pixels column: float32 little-endian C×H×W, image.bytes: PNG).</summary>
    public static Tally Measure(IEnumerable<(byte[] Pixels, byte[] Png)> rows)
    {
        long images = 0, values = 0, notFloat32 = 0, imagesDouble = 0, valuesDouble = 0;
        foreach (var (pixels, png) in rows)
        {
            var floats = new float[pixels.Length / sizeof(float)];
            for (var i = 0; i < floats.Length; i++)
                floats[i] = BitConverter.ToSingle(pixels, i * sizeof(float)); // little-endian machine, as the format
            var probe = ImageInfo.FromStream(new MemoryStream(png)) ?? throw new InvalidDataException("not a PNG");
            var grey = probe.ColorComponents is ColorComponents.Grey or ColorComponents.GreyAlpha;
            var decoded = ImageResult.FromMemory(png, grey ? ColorComponents.Grey : ColorComponents.RedGreenBlue);
            var channels = grey ? 1 : 3;
            var plane = decoded.Width * decoded.Height;
            if (plane * channels != floats.Length)
                throw new InvalidDataException($"PNG holds {plane * channels} values, pixels {floats.Length}");
            var doubleDiffers = false;
            for (var c = 0; c < channels; c++)
                for (var p = 0; p < plane; p++)
                {
                    var v = floats[c * plane + p];
                    var stored = decoded.Data[p * channels + c];
                    if (stored != Float32Rounding(v)) notFloat32++;
                    if (DoubleRounding(v) != stored)
                    {
                        valuesDouble++;
                        doubleDiffers = true;
                    }
                    values++;
                }
            images++;
            if (doubleDiffers) imagesDouble++;
        }
        return new Tally(images, values, notFloat32, imagesDouble, valuesDouble);
    }

    private static int Float32Rounding(float v) =>
        float.IsNaN(v) ? 0 : (int)MathF.Round(Math.Clamp(v, 0f, 1f) * 255f, MidpointRounding.ToEven);

    private static int DoubleRounding(float v) =>
        float.IsNaN(v) ? 0 : (int)Math.Round(Math.Clamp((double)v, 0.0, 1.0) * 255.0, MidpointRounding.ToEven);
}
