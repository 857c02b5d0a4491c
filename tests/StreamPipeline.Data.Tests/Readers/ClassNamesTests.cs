using StreamPipeline.Data.Parquet;
using StreamPipeline.Data.Tests.Fixtures;
using StreamPipeline.Data.Tests.Parquet;

namespace StreamPipeline.Data.Tests.Readers;

/// <summary>Every source dataset says what its classes are called, so constructed datasets carry real names.</summary>
public sealed class ClassNamesTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Fashion_mnist_has_its_ten_names_built_in()
    {
        TestFiles.WriteIdxPair(_dir.File("t10k-images-idx3-ubyte"), _dir.File("t10k-labels-idx1-ubyte"), pixels: [1, 2], labels: [9, 0], rows: 1, columns: 1);

        using var dataset = DatasetReference.Open("fashion-mnist:test", new DatasetOptions(DataRoot: _dir.Path));

        Assert.Equal(["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"], dataset.ClassNames);
        Assert.Equal(10, dataset.Classes);
    }

    [Fact]
    public void Idx_files_have_no_names_so_classes_are_numbered()
    {
        TestFiles.WriteIdxPair(_dir.File("i"), _dir.File("l"), pixels: [1, 2, 3], labels: [2, 0, 1], rows: 1, columns: 1);

        using var dataset = DatasetReference.Open($"idx:{_dir.File("i")},{_dir.File("l")}");

        Assert.Equal(["0", "1", "2"], dataset.ClassNames);
    }

    [Fact]
    public void Cifar10_takes_the_names_of_batches_meta_txt_in_its_folder()
    {
        TestFiles.WriteCifar(_dir.File("test_batch.bin"), [3], new byte[3072]);
        // As in the real archive: one name per line, then blank lines.
        string[] names = ["plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "lorry"];
        File.WriteAllText(_dir.File("batches.meta.txt"), string.Join("\n", names) + "\n\n\n");

        using var dataset = DatasetReference.Open($"cifar10:{_dir.Path}:test");

        Assert.Equal(names, dataset.ClassNames);
    }

    [Fact]
    public void Cifar10_without_batches_meta_txt_has_the_standard_ten_names()
    {
        TestFiles.WriteCifar(_dir.File("test_batch.bin"), [3], new byte[3072]);

        using var dataset = DatasetReference.Open($"cifar10:{_dir.Path}:test");

        Assert.Equal(["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"], dataset.ClassNames);
    }

    [Theory]
    [InlineData("airplane\nautomobile\nbird\n")]                                         // 3 names, not 10
    [InlineData("a\nb\nc\nd\ne\nf\ng\nh\ni\na\n")]                                       // a name twice
    [InlineData("a\nb\nc\n\ne\nf\ng\nh\ni\nj\n")]                                        // an empty name among them
    public void Cifar10_batches_meta_txt_that_is_not_ten_unique_names_is_refused_naming_it(string text)
    {
        TestFiles.WriteCifar(_dir.File("test_batch.bin"), [3], new byte[3072]);
        var meta = _dir.File("batches.meta.txt");
        File.WriteAllText(meta, text);

        var e = Assert.Throws<DataFormatException>(() => DatasetReference.Open($"cifar10:{_dir.Path}:test"));

        Assert.StartsWith(meta, e.Message);
    }

    [Fact]
    public void Image_folder_classes_are_named_after_their_subfolders()
    {
        TestFiles.WritePng(_dir.NewFile("ankle boot/a.png"), 2, 1, 0, [1, 2]);
        TestFiles.WritePng(_dir.NewFile("T-shirt/b.png"), 2, 1, 0, [3, 4]);

        using var dataset = DatasetReference.Open($"folder:{_dir.Path}");

        Assert.Equal(["T-shirt", "ankle boot"], dataset.ClassNames); // ordinal order, as the labels
    }

    [Fact]
    public async Task A_job_read_as_a_source_passes_on_the_class_names_its_shards_record()
    {
        var shape = ShardTestData.Shape(1);
        var path = Path.Combine(Directory.CreateDirectory(JobLayout.DataDir(_dir.Path)).FullName, JobLayout.ShardFileName(0, "parquet"));
        var file = await ParquetShardWriter.WriteAtomicAsync(path, ShardTestData.RandomRows(5, 3, shape), ShardTestData.Metadata(shape) with { ClassNames = KnownDatasets.FashionMnist.ClassNames });
        var manifest = Manifest.Create(new string('5', 64), new string('a', 64), "memory:test", 3, 3, new System.Text.Json.Nodes.JsonObject());
        using (var writer = ManifestWriter.Open(_dir.Path, manifest))
            writer.Commit(manifest.ShardAt(0).AsDone(new CommittedShard(0, Path.GetFileName(file.Path), file.Rows, file.Sha256, file.Bytes)));

        using var dataset = DatasetReference.Open("parquet:" + _dir.Path);

        Assert.Equal(KnownDatasets.FashionMnist.ClassNames, dataset.ClassNames);
    }

    [Fact]
    public void A_version_1_job_is_still_read_with_its_numbered_names()
    {
        using var dataset = DatasetReference.Open("parquet:" + FixtureFiles.V1Job);

        var batch = dataset.ReadRange(0, 8);

        Assert.Equal(Enumerable.Range(0, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), dataset.ClassNames);
        Assert.Equal(new ImageShape(1, 28, 28), dataset.Shape);
        Assert.Equal(Enumerable.Range(0, 8).Select(i => (long)i), batch.Indices);
        // det: label = source label + 1 (mod 10); the first Fashion-MNIST training image is an ankle boot (9).
        Assert.Equal(0, batch.Labels[0]);
        Assert.All(batch.Pixels, v => Assert.InRange(v, 0f, 1f));
    }
}
