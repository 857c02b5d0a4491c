using StreamPipeline.Data.Readers;

namespace StreamPipeline.Data.Tests.Fingerprint;

public sealed class DatasetFingerprintTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private IImageDataset Write(string name, byte[] labels, byte[] pixels) =>
        WriteFiles(name, labels, pixels) is var (images, labelsPath) ? IdxDataset.Open(name, images, labelsPath) : throw new InvalidOperationException();

    private (string, string) WriteFiles(string name, byte[] labels, byte[] pixels)
    {
        string images = _dir.File(name + "-images"), labelsPath = _dir.File(name + "-labels");
        Readers.TestFiles.WriteIdx(images, 0x803, [labels.Length, 2, 2], pixels);
        Readers.TestFiles.WriteIdx(labelsPath, 0x801, [labels.Length], labels);
        return (images, labelsPath);
    }

    [Fact]
    public void Same_contents_give_the_same_fingerprint_and_changed_contents_another()
    {
        var labels = Enumerable.Range(0, 200).Select(i => (byte)(i % 4)).ToArray();
        var pixels = Readers.TestFiles.Bytes(200 * 4, seed: 5);
        using var a = Write("a", labels, pixels);
        using var copy = Write("copy", labels, pixels);
        var changedLast = (byte[])pixels.Clone();
        changedLast[^1] ^= 0xFF;
        using var lastImage = Write("last", labels, changedLast);
        var shuffled = (byte[])labels.Clone();
        (shuffled[0], shuffled[1]) = (shuffled[1], shuffled[0]);
        using var otherLabels = Write("labels", shuffled, pixels);
        using var shorter = Write("short", labels[..199], pixels[..(199 * 4)]);

        var fingerprint = DatasetFingerprint.Of(a);

        Assert.Equal(fingerprint, DatasetFingerprint.Of(copy));
        Assert.Equal(64, fingerprint.Length);
        Assert.NotEqual(fingerprint, DatasetFingerprint.Of(lastImage));
        Assert.NotEqual(fingerprint, DatasetFingerprint.Of(otherLabels));
        Assert.NotEqual(fingerprint, DatasetFingerprint.Of(shorter));
    }
}
