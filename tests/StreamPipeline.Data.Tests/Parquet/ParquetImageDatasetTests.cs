using StreamPipeline.Data.Parquet;

namespace StreamPipeline.Data.Tests.Parquet;

public sealed class ParquetImageDatasetTests : IDisposable
{
    private static readonly int[] ShardSizes = [5, 7, 4];
    private readonly TempDir _job = ShardTestData.TempDir();
    private readonly ImageShape _shape = ShardTestData.Shape(3);
    private readonly ConstructedRow[] _rows;

    public ParquetImageDatasetTests()
    {
        // Source indices deliberately not 0..n-1, to tell the `index` column from the row position.
        var rows = new List<ConstructedRow>();
        string data = Directory.CreateDirectory(Path.Combine(_job.Path, ParquetImageDataset.DataFolder)).FullName;
        for (int s = 0; s < ShardSizes.Length; s++)
        {
            var shard = ShardTestData.RandomRows(100 + s, ShardSizes[s], _shape, firstIndex: 1000 * (s + 1));
            rows.AddRange(shard);
            ParquetShardWriter.WriteAtomicAsync(Path.Combine(data, $"part-{s:D5}.parquet"), shard, _shape, ShardTestData.Metadata(_shape).ToDictionary())
                .GetAwaiter().GetResult();
        }
        // A half-written shard of an interrupted job is not part of the dataset.
        File.WriteAllText(Path.Combine(data, "part-00003.parquet.tmp"), "half-written");
        _rows = [.. rows];
    }

    public void Dispose() => _job.Dispose();

    [Fact]
    public void Open_reads_shape_classes_and_count_from_the_shard_footers()
    {
        using var dataset = ParquetImageDataset.Open(_job.Path);

        Assert.Equal($"parquet:{_job.Path}", dataset.Reference);
        Assert.Equal(_shape, dataset.Shape);
        Assert.Equal(10, dataset.Classes);
        Assert.Equal(16, dataset.Count);
        Assert.Equal(3, dataset.Files.Count);
    }

    [Theory]
    [InlineData(0, 16)]
    [InlineData(3, 10)]  // crosses both file boundaries
    [InlineData(5, 7)]   // exactly the second file
    [InlineData(11, 2)]  // last row of one file, first of the next
    [InlineData(15, 1)]
    [InlineData(16, 0)]
    public void ReadRange_returns_the_rows_in_file_order_across_file_boundaries(int start, int count)
    {
        using var dataset = ParquetImageDataset.Open(_job.Path);

        var batch = dataset.ReadRange(start, count);

        AssertBatchIs(_rows.Skip(start).Take(count).ToArray(), batch);
    }

    [Fact]
    public void Reads_in_any_order_and_from_several_threads_return_the_same_rows()
    {
        using var dataset = ParquetImageDataset.Open(_job.Path);
        var ranges = new[] { (12, 4), (0, 3), (4, 9), (14, 2), (1, 15), (7, 1), (0, 16), (10, 3) };

        Parallel.ForEach(ranges, new ParallelOptions { MaxDegreeOfParallelism = 4 }, range =>
            AssertBatchIs(_rows.Skip(range.Item1).Take(range.Item2).ToArray(), dataset.ReadRange(range.Item1, range.Item2)));
    }

    [Fact]
    public void Limit_keeps_the_first_rows_and_refuses_ranges_beyond_it()
    {
        using var dataset = ParquetImageDataset.Open(_job.Path, limit: 9);

        Assert.Equal(9, dataset.Count);
        AssertBatchIs(_rows[..9], dataset.ReadRange(0, 9));
        Assert.Throws<ArgumentOutOfRangeException>(() => dataset.ReadRange(8, 2));
        Assert.Equal(16, ParquetImageDataset.Open(_job.Path, limit: 100).Count);
    }

    [Fact]
    public void Open_refuses_a_job_directory_without_data_or_shards()
    {
        using var empty = ShardTestData.TempDir();
        var noData = Assert.Throws<DataFormatException>(() => ParquetImageDataset.Open(empty.Path));
        Assert.Contains(empty.Path, noData.Message);

        Directory.CreateDirectory(Path.Combine(empty.Path, ParquetImageDataset.DataFolder));
        File.WriteAllText(Path.Combine(empty.Path, ParquetImageDataset.DataFolder, "part-00000.parquet.tmp"), "");
        var noShards = Assert.Throws<DataFormatException>(() => ParquetImageDataset.Open(empty.Path));
        Assert.Contains("no shard files", noShards.Message);
    }

    [Fact]
    public async Task Open_refuses_a_shard_whose_shape_differs_from_the_first()
    {
        var other = new ImageShape(1, 6, 5);
        string odd = Path.Combine(_job.Path, ParquetImageDataset.DataFolder, "part-00009.parquet");
        await ParquetShardWriter.WriteAtomicAsync(odd, ShardTestData.RandomRows(7, 2, other), other, ShardTestData.Metadata(other).ToDictionary());

        var e = Assert.Throws<DataFormatException>(() => ParquetImageDataset.Open(_job.Path));
        Assert.Contains(odd, e.Message);
    }

    [Fact]
    public void Open_names_a_corrupt_shard_file()
    {
        string corrupt = Path.Combine(_job.Path, ParquetImageDataset.DataFolder, "part-00001.parquet");
        File.WriteAllBytes(corrupt, File.ReadAllBytes(corrupt)[..100]);

        var e = Assert.Throws<DataFormatException>(() => ParquetImageDataset.Open(_job.Path));
        Assert.Contains(corrupt, e.Message);
    }

    private static void AssertBatchIs(ConstructedRow[] expected, ImageBatch batch)
    {
        Assert.Equal(expected.Select(r => r.Index), batch.Indices);
        Assert.Equal(expected.Select(r => r.Label), batch.Labels);
        Assert.Equal(expected.SelectMany(r => r.Pixels).Select(BitConverter.SingleToInt32Bits), batch.Pixels.Select(BitConverter.SingleToInt32Bits));
    }
}
