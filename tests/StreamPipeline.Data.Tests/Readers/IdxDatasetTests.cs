using StreamPipeline.Data.Readers;

namespace StreamPipeline.Data.Tests.Readers;

public sealed class IdxDatasetTests : IDisposable
{
    private const int Rows = 3, Columns = 2, Size = Rows * Columns;
    private static readonly byte[] Labels = [4, 0, 2, 3, 1];
    private static readonly byte[] Pixels = TestFiles.Bytes(Labels.Length * Size, seed: 7);

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private IImageDataset Write(bool gzipImages = false, bool gzipLabels = false, long? limit = null)
    {
        string images = _dir.NewFile("images.idx"), labels = _dir.NewFile("labels.idx");
        TestFiles.WriteIdx(images, 0x803, [Labels.Length, Rows, Columns], Pixels, gzipImages);
        TestFiles.WriteIdx(labels, 0x801, [Labels.Length], Labels, gzipLabels);
        return DatasetReference.Open($"idx:{images},{labels}", new DatasetOptions(Limit: limit));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void Idx_files_raw_or_gzip_read_back_exact_pixels_shape_and_labels(bool gzipImages, bool gzipLabels)
    {
        using var dataset = Write(gzipImages, gzipLabels);
        var batch = dataset.ReadRange(0, Labels.Length);

        Assert.IsType<IdxDataset>(dataset);
        Assert.Equal(new ImageShape(1, Rows, Columns), dataset.Shape);
        Assert.Equal(Labels.Length, dataset.Count);
        Assert.Equal(5, dataset.Classes); // largest label + 1
        Assert.Equal([0L, 1, 2, 3, 4], batch.Indices);
        Assert.Equal(Labels.Select(l => (int)l), batch.Labels);
        Assert.Equal(Pixels.Select(b => b / 255f), batch.Pixels);
    }

    [Fact]
    public void ReadRange_at_an_offset_returns_those_examples_with_their_indices()
    {
        using var dataset = Write();
        var batch = dataset.ReadRange(2, 3);

        Assert.Equal([2L, 3, 4], batch.Indices);
        Assert.Equal([2, 3, 1], batch.Labels);
        Assert.Equal(Pixels.Skip(2 * Size).Select(b => b / 255f), batch.Pixels);
        Assert.Equal(Pixels.Skip(3 * Size).Take(Size).Select(b => b / 255f), batch.Image(1).ToArray());
    }

    [Fact]
    public void Limit_keeps_the_first_examples()
    {
        using var dataset = Write(gzipImages: true, limit: 2);

        Assert.Equal(2, dataset.Count);
        Assert.Equal([4, 0], dataset.ReadRange(0, 2).Labels);
        Assert.Throws<ArgumentOutOfRangeException>(() => dataset.ReadRange(1, 2));
    }

    [Theory]
    [InlineData(-1, 1)]
    [InlineData(0, -1)]
    [InlineData(0, 6)]
    [InlineData(4, 2)]
    [InlineData(6, 0)]
    public void ReadRange_outside_the_dataset_throws_ArgumentOutOfRange(long start, int count)
    {
        using var dataset = Write();
        Assert.Throws<ArgumentOutOfRangeException>(() => dataset.ReadRange(start, count));
    }

    [Fact]
    public void Concurrent_reads_return_the_same_batches_as_sequential_reads()
    {
        using var dataset = Write();
        var expected = Enumerable.Range(0, Labels.Length).Select(i => dataset.ReadRange(i, 1).Pixels).ToArray();

        var actual = new float[200][];
        Parallel.For(0, actual.Length, i => actual[i] = dataset.ReadRange(i % Labels.Length, 1).Pixels);

        for (var i = 0; i < actual.Length; i++)
            Assert.Equal(expected[i % Labels.Length], actual[i]);
    }

    [Fact]
    public void Labels_that_leave_a_gap_are_refused_unless_the_class_count_is_declared()
    {
        // Fashion-MNIST-like labels 0..9 with one stray 42: silently a 43-class model before.
        byte[] labels = [.. Enumerable.Range(0, 20).Select(i => (byte)(i % 10)), 42];
        string imagesPath = _dir.NewFile("images.idx"), labelsPath = _dir.NewFile("labels.idx");
        TestFiles.WriteIdx(imagesPath, 0x803, [labels.Length, Rows, Columns], TestFiles.Bytes(labels.Length * Size, seed: 3));
        TestFiles.WriteIdx(labelsPath, 0x801, [labels.Length], labels);

        var e = Assert.Throws<DataFormatException>(() => DatasetReference.Open($"idx:{imagesPath},{labelsPath}"));
        var tooFew = Assert.Throws<DataFormatException>(() => DatasetReference.Open($"idx:{imagesPath},{labelsPath}?classes=10"));
        using var declared = DatasetReference.Open($"idx:{imagesPath},{labelsPath}?classes=43");

        Assert.Equal($"{labelsPath}: labels are not 0..42: 42 occurs but 10..41 never do; if that is meant, declare the class count: idx:IMAGES,LABELS?classes=N", e.Message);
        Assert.Contains("label 42 at index 20 is out of range (expected 0..9)", tooFew.Message);
        Assert.Equal(43, declared.Classes);
    }

    [Fact]
    public void Missing_file_is_reported_with_its_path()
    {
        var labels = _dir.NewFile("labels.idx");
        TestFiles.WriteIdx(labels, 0x801, [1], [0]);
        var missing = _dir.NewFile("nope.idx");

        var e = Assert.Throws<DataFormatException>(() => DatasetReference.Open($"idx:{missing},{labels}"));
        Assert.Equal($"{missing}: file not found", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Wrong_magic_number_is_reported_with_the_file(bool gzip)
    {
        string images = _dir.NewFile("images.idx"), labels = _dir.NewFile("labels.idx");
        TestFiles.WriteIdx(images, 0x801, [1], [0], gzip); // a labels file given as images
        TestFiles.WriteIdx(labels, 0x801, [1], [0]);

        var e = Assert.Throws<DataFormatException>(() => DatasetReference.Open($"idx:{images},{labels}"));
        Assert.Equal($"{images}: IDX magic number is 0x00000801, expected 0x00000803", e.Message);

        TestFiles.WriteIdx(labels, 0x803, [1, 1, 1], [0], gzip); // an images file given as labels
        e = Assert.Throws<DataFormatException>(() => DatasetReference.Open($"idx:{images},{labels}"));
        Assert.Equal($"{labels}: IDX magic number is 0x00000803, expected 0x00000801", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Truncated_file_is_reported_with_declared_and_actual_sizes(bool gzip)
    {
        string images = _dir.NewFile("images.idx"), labels = _dir.NewFile("labels.idx");
        TestFiles.WriteIdx(images, 0x803, [3, Rows, Columns], new byte[3 * Size - 1], gzip);
        TestFiles.WriteIdx(labels, 0x801, [3], [0, 1, 2]);

        var e = Assert.Throws<DataFormatException>(() => DatasetReference.Open($"idx:{images},{labels}"));
        Assert.Equal($"{images}: truncated, header declares 3 items of 6 bytes (34 bytes) but the data has 33", e.Message);
    }

    [Fact]
    public void Truncated_labels_file_is_reported()
    {
        string images = _dir.NewFile("images.idx"), labels = _dir.NewFile("labels.idx");
        TestFiles.WriteIdx(images, 0x803, [3, Rows, Columns], new byte[3 * Size]);
        TestFiles.WriteIdx(labels, 0x801, [3], [0, 1]);

        var e = Assert.Throws<DataFormatException>(() => DatasetReference.Open($"idx:{images},{labels}"));
        Assert.StartsWith($"{labels}: truncated", e.Message);
    }

    [Fact]
    public void Corrupt_gzip_is_reported_with_the_file()
    {
        string images = _dir.NewFile("images.idx.gz"), labels = _dir.NewFile("labels.idx");
        File.WriteAllBytes(images, [0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff]);
        TestFiles.WriteIdx(labels, 0x801, [1], [0]);

        var e = Assert.Throws<DataFormatException>(() => DatasetReference.Open($"idx:{images},{labels}"));
        Assert.StartsWith($"{images}: ", e.Message);
    }

    [Fact]
    public void Image_count_differing_from_label_count_is_reported()
    {
        string images = _dir.NewFile("images.idx"), labels = _dir.NewFile("labels.idx");
        TestFiles.WriteIdx(images, 0x803, [2, Rows, Columns], new byte[2 * Size]);
        TestFiles.WriteIdx(labels, 0x801, [3], [0, 1, 2]);

        var e = Assert.Throws<DataFormatException>(() => DatasetReference.Open($"idx:{images},{labels}"));
        Assert.Equal($"{images}: 2 images but {labels} has 3 labels", e.Message);
    }
}
