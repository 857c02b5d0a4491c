using StreamPipeline.Data.Readers;

namespace StreamPipeline.Data.Tests.Readers;

public sealed class DatasetReferenceTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("")]
    [InlineData("mnist:train")]
    [InlineData("fashion-mnist")]
    [InlineData("fashion-mnist:validation")]
    [InlineData("FASHION-MNIST:train")]
    [InlineData("cifar10:train")]
    [InlineData("cifar10:/data")]
    [InlineData("cifar10::test")]
    [InlineData("idx:images")]
    [InlineData("idx:a,b,c")]
    [InlineData("idx:,labels")]
    [InlineData("folder:")]
    [InlineData("parquet:")]
    public void Malformed_reference_throws_ArgumentException_listing_the_accepted_forms(string reference)
    {
        var e = Assert.Throws<ArgumentException>(() => DatasetReference.Open(reference));
        Assert.Equal(
            $"Malformed dataset reference '{reference}': expected one of fashion-mnist:train|test, cifar10:DIR:train|test, idx:IMAGES,LABELS[?classes=N], folder:DIR, parquet:JOBDIR[?partial], parquet:FILE|DIR|GLOB[?image=COL&label=COL]",
            e.Message);
    }

    [Fact]
    public void Parquet_reference_opens_the_job_directory_with_the_parquet_reader()
    {
        Assert.True(DatasetReference.IsParquet("parquet:/jobs/det", out var jobDir));
        Assert.Equal("/jobs/det", jobDir);
        Assert.False(DatasetReference.IsParquet("folder:/jobs/det", out _));
        Assert.False(DatasetReference.IsParquet("parquet:", out _));

        var missing = Path.Combine(Path.GetTempPath(), "no-such-job-" + Guid.NewGuid().ToString("N"));
        var e = Assert.Throws<DataFormatException>(() => DatasetReference.Open("parquet:" + missing));
        Assert.Contains(missing, e.Message);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-3L)]
    public void Limit_below_one_is_rejected(long limit)
    {
        Assert.Throws<ArgumentException>(() => DatasetReference.Open("fashion-mnist:test", new DatasetOptions(Limit: limit)));
    }

    [Theory]
    [InlineData("train", "train", true)]
    [InlineData("test", "t10k", false)]
    public void Fashion_mnist_reads_gzip_or_raw_files_of_the_split_under_the_data_root(string split, string prefix, bool gzip)
    {
        var suffix = gzip ? ".gz" : "";
        TestFiles.WriteIdxPair(_dir.NewFile($"{prefix}-images-idx3-ubyte{suffix}"), _dir.NewFile($"{prefix}-labels-idx1-ubyte{suffix}"),
            pixels: [0, 255, 51, 102], labels: [9, 3], rows: 1, columns: 2, gzip);

        using var dataset = DatasetReference.Open($"fashion-mnist:{split}", new DatasetOptions(DataRoot: _dir.Path));
        var batch = dataset.ReadRange(0, 2);

        Assert.Equal($"fashion-mnist:{split}", dataset.Reference);
        Assert.Equal(10, dataset.Classes); // fixed, not inferred from the labels seen
        Assert.Equal(new ImageShape(1, 1, 2), dataset.Shape);
        Assert.Equal([9, 3], batch.Labels);
        Assert.Equal([0f, 1f, 0.2f, 0.4f], batch.Pixels);
    }

    [Fact]
    public void Fashion_mnist_label_of_10_or_more_is_reported_with_the_labels_file()
    {
        var labels = _dir.NewFile("t10k-labels-idx1-ubyte");
        TestFiles.WriteIdxPair(_dir.NewFile("t10k-images-idx3-ubyte"), labels, pixels: new byte[2], labels: [1, 10], rows: 1, columns: 1);

        var e = Assert.Throws<DataFormatException>(() => DatasetReference.Open("fashion-mnist:test", new DatasetOptions(DataRoot: _dir.Path)));
        Assert.Equal($"{labels}: label 10 at index 1 is out of range (expected 0..9)", e.Message);
    }

    [Fact]
    public void Fashion_mnist_missing_files_are_reported_with_the_expected_path()
    {
        var e = Assert.Throws<DataFormatException>(() => DatasetReference.Open("fashion-mnist:train", new DatasetOptions(DataRoot: _dir.Path)));
        Assert.Equal($"{Path.Combine(_dir.Path, "train-labels-idx1-ubyte.gz")}: file not found", e.Message);
    }

    [FashionMnistFact]
    public void Real_fashion_mnist_test_set_has_10000_balanced_28x28_grey_examples()
    {
        using var dataset = DatasetReference.Open("fashion-mnist:test");
        var batch = dataset.ReadRange(0, (int)dataset.Count);

        Assert.IsType<IdxDataset>(dataset);
        Assert.Equal(10000, dataset.Count);
        Assert.Equal(new ImageShape(1, 28, 28), dataset.Shape);
        Assert.Equal(10, dataset.Classes);
        Assert.Equal(Enumerable.Repeat(1000, 10), batch.Labels.CountBy(l => l).OrderBy(p => p.Key).Select(p => p.Value));
        Assert.Equal(9, batch.Labels[0]); // the first test image is an ankle boot
        Assert.Equal(0f, batch.Pixels.Min());
        Assert.Equal(1f, batch.Pixels.Max());
    }
}
