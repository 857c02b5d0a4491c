using System.Buffers.Binary;

namespace StreamPipeline.Cli.Tests;

/// <summary>Writes small, learnable IDX datasets: 8×8 grey images whose bright quadrant is the class (4 classes).</summary>
public static class TinyData
{
    public const int Side = 8;

    public static (string Images, string Labels) WriteIdx(string dir, string name, int count, int seed)
    {
        var random = new Random(seed);
        var pixels = new byte[count * Side * Side];
        var labels = new byte[count];
        for (var i = 0; i < count; i++)
        {
            var label = random.Next(4);
            labels[i] = (byte)label;
            for (var y = 0; y < Side; y++)
            for (var x = 0; x < Side; x++)
            {
                var quadrant = (y >= Side / 2 ? 2 : 0) + (x >= Side / 2 ? 1 : 0);
                var value = quadrant == label ? 160 + random.Next(96) : random.Next(80);
                pixels[i * Side * Side + y * Side + x] = (byte)value;
            }
        }
        var images = Path.Combine(dir, name + "-images-idx3-ubyte");
        var labelsPath = Path.Combine(dir, name + "-labels-idx1-ubyte");
        File.WriteAllBytes(images, [.. Header(0x803, count, Side, Side), .. pixels]);
        File.WriteAllBytes(labelsPath, [.. Header(0x801, count), .. labels]);
        return (images, labelsPath);
    }

    public static string Reference((string Images, string Labels) files) => $"idx:{files.Images},{files.Labels}";

    public static byte[] Header(int magic, params int[] dims)
    {
        var header = new byte[4 + 4 * dims.Length];
        BinaryPrimitives.WriteInt32BigEndian(header, magic);
        for (var i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * i), dims[i]);
        return header;
    }
}
