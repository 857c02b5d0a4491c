using StreamPipeline.Data.Readers;

namespace StreamPipeline.Data.Tests.Readers;

public sealed class Cifar10DatasetTests : IDisposable
{
    private const int Record = 3072;
    private static readonly int[] RecordsPerTrainFile = [3, 2, 4, 1, 3];

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    // Writes the five training files; returns all labels and pixels in dataset order.
    private (byte[] Labels, byte[] Pixels) WriteTrain()
    {
        var labels = new List<byte>();
        var pixels = new List<byte>();
        for (var f = 0; f < 5; f++)
        {
            var n = RecordsPerTrainFile[f];
            var fileLabels = Enumerable.Range(0, n).Select(i => (byte)((f * 3 + i) % 10)).ToArray();
            var filePixels = TestFiles.Bytes(n * Record, seed: f);
            TestFiles.WriteCifar(_dir.NewFile($"data_batch_{f + 1}.bin"), fileLabels, filePixels);
            labels.AddRange(fileLabels);
            pixels.AddRange(filePixels);
        }
        return ([.. labels], [.. pixels]);
    }

    [Fact]
    public void Test_split_reads_back_exact_planar_pixels_and_labels()
    {
        byte[] labels = [3, 9, 0];
        var pixels = TestFiles.Bytes(labels.Length * Record, seed: 1);
        TestFiles.WriteCifar(_dir.NewFile("test_batch.bin"), labels, pixels);

        using var dataset = DatasetReference.Open($"cifar10:{_dir.Path}:test");
        var batch = dataset.ReadRange(0, 3);

        Assert.IsType<Cifar10Dataset>(dataset);
        Assert.Equal(new ImageShape(3, 32, 32), dataset.Shape);
        Assert.Equal(10, dataset.Classes);
        Assert.Equal(3, dataset.Count);
        Assert.Equal([3, 9, 0], batch.Labels);
        Assert.Equal(pixels.Select(b => b / 255f), batch.Pixels);
        // The record's planes are R, G, B: green of image 1 at row 0, column 0 is byte 1024 of its record.
        Assert.Equal(pixels[Record + 1024] / 255f, batch.Image(1)[32 * 32]);
    }

    [Fact]
    public void Train_split_spans_five_files_and_ReadRange_crosses_file_boundaries()
    {
        var (labels, pixels) = WriteTrain();

        using var dataset = DatasetReference.Open($"cifar10:{_dir.Path}:train");
        Assert.Equal(RecordsPerTrainFile.Sum(), dataset.Count);

        foreach (var (start, count) in new[] { (0, 13), (2, 7), (4, 1), (5, 4), (9, 4), (12, 1), (3, 0) })
        {
            var batch = dataset.ReadRange(start, count);
            Assert.Equal(Enumerable.Range(start, count).Select(i => (long)i), batch.Indices);
            Assert.Equal(labels.Skip(start).Take(count).Select(l => (int)l), batch.Labels);
            Assert.Equal(pixels.Skip(start * Record).Take(count * Record).Select(b => b / 255f), batch.Pixels);
        }
    }

    [Fact]
    public void Limit_keeps_the_first_examples_across_files()
    {
        var (labels, _) = WriteTrain();

        using var dataset = DatasetReference.Open($"cifar10:{_dir.Path}:train", new DatasetOptions(Limit: 6));

        Assert.Equal(6, dataset.Count);
        Assert.Equal(labels.Take(6).Select(l => (int)l), dataset.ReadRange(0, 6).Labels);
        Assert.Throws<ArgumentOutOfRangeException>(() => dataset.ReadRange(6, 1));
    }

    [Fact]
    public void File_length_not_a_multiple_of_the_record_size_is_reported()
    {
        var path = _dir.NewFile("test_batch.bin");
        File.WriteAllBytes(path, new byte[2 * 3073 + 5]);

        var e = Assert.Throws<DataFormatException>(() => DatasetReference.Open($"cifar10:{_dir.Path}:test"));
        Assert.Equal($"{path}: length 6151 is not a multiple of the CIFAR-10 record size 3073", e.Message);
    }

    [Fact]
    public void Label_above_9_is_reported_with_file_and_record()
    {
        WriteTrain();
        var path = _dir.NewFile("data_batch_3.bin");
        TestFiles.WriteCifar(path, [1, 10], new byte[2 * Record]);

        var e = Assert.Throws<DataFormatException>(() => DatasetReference.Open($"cifar10:{_dir.Path}:train"));
        Assert.Equal($"{path}: record 1 has label 10, expected 0..9", e.Message);
    }

    [Fact]
    public void Missing_batch_file_is_reported_with_its_path()
    {
        WriteTrain();
        var path = _dir.NewFile("data_batch_4.bin");
        File.Delete(path);

        var e = Assert.Throws<DataFormatException>(() => DatasetReference.Open($"cifar10:{_dir.Path}:train"));
        Assert.Equal($"{path}: file not found", e.Message);
    }

    [Fact]
    public void Missing_directory_is_reported_with_its_path()
    {
        var missing = Path.Combine(_dir.Path, "absent");
        var e = Assert.Throws<DataFormatException>(() => DatasetReference.Open($"cifar10:{missing}:test"));
        Assert.Equal($"{missing}: CIFAR-10 folder not found", e.Message);
    }

    [Theory]
    [InlineData(-1, 1)]
    [InlineData(0, 4)]
    [InlineData(3, 1)]
    public void ReadRange_outside_the_dataset_throws_ArgumentOutOfRange(long start, int count)
    {
        TestFiles.WriteCifar(_dir.NewFile("test_batch.bin"), [1, 2, 3], new byte[3 * Record]);
        using var dataset = DatasetReference.Open($"cifar10:{_dir.Path}:test");
        Assert.Throws<ArgumentOutOfRangeException>(() => dataset.ReadRange(start, count));
    }
}
