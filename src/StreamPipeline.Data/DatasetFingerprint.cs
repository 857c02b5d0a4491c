using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace StreamPipeline.Data;

/// <summary>
/// A cheap identity of a dataset's contents, so that a resumed job or a cluster worker can tell it reads the same data
/// the job was started on: SHA-256 over the example count, shape and class count, and the labels and pixels of up to
/// <see cref="Samples"/> examples spread evenly over the dataset (first and last included). It does not read the whole
/// dataset (ImageNet-scale data would take minutes), so it catches another dataset, another split, another order or a
/// different copy, not a change to one unsampled image.
/// </summary>
public static class DatasetFingerprint
{
    public const int Samples = 64;

    public static string Of(IImageDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> header = stackalloc byte[24];
        BinaryPrimitives.WriteInt64LittleEndian(header, data.Count);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], data.Shape.Channels);
        BinaryPrimitives.WriteInt32LittleEndian(header[12..], data.Shape.Height);
        BinaryPrimitives.WriteInt32LittleEndian(header[16..], data.Shape.Width);
        BinaryPrimitives.WriteInt32LittleEndian(header[20..], data.Classes);
        hash.AppendData(header);
        hash.AppendData(Encoding.UTF8.GetBytes("fingerprint/1"));
        var count = data.Count;
        var take = (int)Math.Min(Samples, count);
        Span<byte> word = stackalloc byte[8];
        for (var k = 0; k < take; k++)
        {
            var index = take == 1 ? 0 : k * (count - 1) / (take - 1);
            var batch = data.ReadRange(index, 1);
            BinaryPrimitives.WriteInt64LittleEndian(word, index);
            hash.AppendData(word);
            BinaryPrimitives.WriteInt32LittleEndian(word, batch.Labels[0]);
            hash.AppendData(word[..4]);
            hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(batch.Pixels.AsSpan()));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
