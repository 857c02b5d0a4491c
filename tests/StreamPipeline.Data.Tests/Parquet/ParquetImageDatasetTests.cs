using StreamPipeline.Data.Parquet;

namespace StreamPipeline.Data.Tests.Parquet;

public sealed class ParquetImageDatasetTests : IDisposable
{
    private readonly TempDirectory _job = new TempDirectory();
    private readonly ImageShape _shape = ShardTestData.Shape(3);
    private readonly ConstructedRow[] _rows;

    public ParquetImageDatasetTests()
    {
        // Shards of 6, 6 and 4 rows; source indices deliberately not 0..n-1, to tell the `index` column from the row position.
        _rows = ShardTestData.WriteJobAsync(_job.Path, _shape, shardSize: 6, total: 16).GetAwaiter().GetResult();
        // A half-written shard of an interrupted job is not part of the dataset.
        File.WriteAllText(Path.Combine(JobLayout.DataDir(_job.Path), "part-00003.parquet.tmp"), "half-written");
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
    [InlineData(6, 6)]   // exactly the second file
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
    public void Open_refuses_a_directory_that_is_not_a_job()
    {
        using var empty = new TempDirectory();
        Directory.CreateDirectory(JobLayout.DataDir(empty.Path));
        File.Copy(Path.Combine(JobLayout.DataDir(_job.Path), "part-00000.parquet"), Path.Combine(JobLayout.DataDir(empty.Path), "part-00000.parquet"));

        var error = Assert.Throws<DataFormatException>(() => ParquetImageDataset.Open(empty.Path));

        Assert.Contains(empty.Path, error.Message);
        Assert.Contains("no manifest.json", error.Message);
    }

    [Fact]
    public async Task Files_the_manifest_does_not_list_are_never_read()
    {
        var other = new ImageShape(1, 6, 5);
        await ParquetShardWriter.WriteAtomicAsync(Path.Combine(JobLayout.DataDir(_job.Path), "part-00009.parquet"),
            ShardTestData.RandomRows(7, 2, other), ShardTestData.Metadata(other));

        using var dataset = ParquetImageDataset.Open(_job.Path);

        Assert.Equal(16, dataset.Count);
        AssertBatchIs(_rows, dataset.ReadRange(0, 16));
    }

    [Fact]
    public void A_missing_committed_shard_is_refused_naming_its_file()
    {
        var missing = Path.Combine(JobLayout.DataDir(_job.Path), "part-00001.parquet");
        File.Delete(missing);

        var e = Assert.Throws<DataFormatException>(() => ParquetImageDataset.Open(_job.Path));
        Assert.StartsWith(missing, e.Message);
        Assert.Contains("missing", e.Message);
    }

    [Fact]
    public void Open_names_a_corrupt_shard_file()
    {
        string corrupt = Path.Combine(JobLayout.DataDir(_job.Path), "part-00001.parquet");
        File.WriteAllBytes(corrupt, File.ReadAllBytes(corrupt)[..100]);

        var e = Assert.Throws<DataFormatException>(() => ParquetImageDataset.Open(_job.Path));
        Assert.Contains(corrupt, e.Message);
    }

    [Fact]
    public void A_shard_whose_bytes_changed_but_not_its_size_is_refused()
    {
        string damaged = Path.Combine(JobLayout.DataDir(_job.Path), "part-00002.parquet");
        var bytes = File.ReadAllBytes(damaged);
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(damaged, bytes);

        var e = Assert.Throws<DataFormatException>(() => ParquetImageDataset.Open(_job.Path));

        Assert.StartsWith(damaged, e.Message);
        Assert.Contains("SHA-256", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_shard_damaged_after_opening_is_refused_when_it_is_read()
    {
        using var dataset = ParquetImageDataset.Open(_job.Path);
        string damaged = Path.Combine(JobLayout.DataDir(_job.Path), "part-00000.parquet");
        var bytes = File.ReadAllBytes(damaged);
        bytes[^20] ^= 0x80;
        File.WriteAllBytes(damaged, bytes);

        var e = Assert.Throws<DataFormatException>(() => dataset.ReadRange(0, 2));
        Assert.StartsWith(damaged, e.Message);
    }

    [Fact]
    public async Task An_incomplete_job_is_refused_unless_its_committed_part_is_asked_for()
    {
        using var partialJob = new TempDirectory();
        var rows = await ShardTestData.WriteJobAsync(partialJob.Path, _shape, shardSize: 6, total: 16, committed: [0, 2]);

        var e = Assert.Throws<DataFormatException>(() => ParquetImageDataset.Open(partialJob.Path));
        using var partial = ParquetImageDataset.Open(partialJob.Path, partial: true);

        Assert.Contains("incomplete: 2 of 3 shards done (10 of 16 rows)", e.Message);
        Assert.Contains($"parquet:{partialJob.Path}?partial", e.Message);
        Assert.Equal(10, partial.Count);
        Assert.False(partial.Complete);
        AssertBatchIs([.. rows[..6], .. rows[12..]], partial.ReadRange(0, 10));
    }

    private static void AssertBatchIs(ConstructedRow[] expected, ImageBatch batch)
    {
        Assert.Equal(expected.Select(r => r.Index), batch.Indices);
        Assert.Equal(expected.Select(r => r.Label), batch.Labels);
        Assert.Equal(expected.SelectMany(r => r.Pixels.ToArray()).Select(BitConverter.SingleToInt32Bits), batch.Pixels.Select(BitConverter.SingleToInt32Bits));
    }
}
