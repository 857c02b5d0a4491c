using StreamPipeline.Data.Parquet;

namespace StreamPipeline.Data.Tests.Parquet;

public sealed class ParquetShardRoundTripTests
{
    public static TheoryData<int, int> SeedsAndChannels()
    {
        var data = new TheoryData<int, int>();
        foreach (int seed in new[] { 1, 2, 3, 42 })
            foreach (int channels in new[] { 1, 3 })
                data.Add(seed, channels);
        return data;
    }

    [Theory]
    [MemberData(nameof(SeedsAndChannels))]
    public async Task Written_shard_reads_back_with_every_column_and_float_bits_exact(int seed, int channels)
    {
        using var dir = new TempDirectory();
        var shape = ShardTestData.Shape(channels);
        var rows = ShardTestData.RandomRows(seed, count: 17 + seed, shape);
        var metadata = new Dictionary<string, string>(ShardTestData.Metadata(shape).ToDictionary()) { ["extra.key"] = "kept" };
        string path = dir.File("part-00000.parquet");

        await using (var file = File.Create(path))
            await ParquetShardWriter.WriteAsync(file, rows, shape, metadata);
        var read = await ParquetShardReader.ReadAsync(path);

        Assert.Equal(shape, read.Shape);
        Assert.Equal(rows.Length, read.Rows.Count);
        Assert.Equal(rows.Length, await ParquetShardReader.CountRowsAsync(path));
        for (int i = 0; i < rows.Length; i++)
        {
            var (want, got) = (rows[i], read.Rows[i]);
            Assert.Equal(want.Index, got.Index);
            Assert.Equal(want.Label, got.Label);
            Assert.Equal(want.SourceLabel, got.SourceLabel);
            Assert.Equal(want.StartIndex, got.StartIndex);
            Assert.Equal(want.AttackSuccess, got.AttackSuccess);
            Assert.Equal(BitConverter.SingleToInt32Bits(want.Distance), BitConverter.SingleToInt32Bits(got.Distance));
            Assert.Equal(want.Pixels.ToArray().Select(BitConverter.SingleToInt32Bits), got.Pixels.ToArray().Select(BitConverter.SingleToInt32Bits));
        }
        foreach (var (key, value) in metadata)
            Assert.Equal(value, read.Metadata[key]);
    }

    [Theory]
    [MemberData(nameof(SeedsAndChannels))]
    public async Task Image_column_holds_a_png_of_the_pixels_rounded_to_8_bits(int seed, int channels)
    {
        using var dir = new TempDirectory();
        var shape = ShardTestData.Shape(channels);
        var rows = ShardTestData.RandomRows(seed, count: 9, shape);
        string path = dir.File("part-00000.parquet");

        await using (var file = File.Create(path))
            await ParquetShardWriter.WriteAsync(file, rows, shape, ShardTestData.Metadata(shape).ToDictionary());
        var read = await ParquetShardReader.ReadAsync(path);

        for (int i = 0; i < rows.Length; i++)
        {
            float[] decoded = PngCodec.Decode(read.Png[i], out var pngShape);
            Assert.Equal(shape, pngShape);
            Assert.Equal(rows[i].Pixels.ToArray().Select(v => PngCodec.Quantize(v) / 255f), decoded);
        }
    }

    [Fact]
    public async Task Writer_rejects_rows_whose_pixel_count_does_not_match_the_shape()
    {
        var shape = ShardTestData.Shape(1);
        var rows = ShardTestData.RandomRows(5, 3, shape);
        rows[1] = rows[1] with { Pixels = new float[shape.Size - 1] };

        var e = await Assert.ThrowsAsync<ArgumentException>(() =>
            ParquetShardWriter.WriteAsync(new MemoryStream(), rows, shape, ShardTestData.Metadata(shape).ToDictionary()));
        Assert.Contains("Row 1", e.Message);
    }

    [Fact]
    public async Task Writer_rejects_labels_outside_the_declared_classes()
    {
        var shape = ShardTestData.Shape(3);
        var rows = ShardTestData.RandomRows(6, 3, shape, classes: 4);
        rows[2] = rows[2] with { Label = 4 };

        var e = await Assert.ThrowsAsync<ArgumentException>(() =>
            ParquetShardWriter.WriteAsync(new MemoryStream(), rows, shape, ShardTestData.Metadata(shape, classes: 4).ToDictionary()));
        Assert.Contains("outside [0, 4)", e.Message);
    }

    [Theory]
    [InlineData(ConstructedDatasetSchema.ModelSha256Key)]
    [InlineData(ConstructedDatasetSchema.HuggingFaceKey)]
    [InlineData(ConstructedDatasetSchema.SchemaVersionKey)]
    public async Task Writer_rejects_metadata_without_a_required_key(string missing)
    {
        var shape = ShardTestData.Shape(1);
        var metadata = new Dictionary<string, string>(ShardTestData.Metadata(shape).ToDictionary());
        metadata.Remove(missing);

        var e = await Assert.ThrowsAsync<ArgumentException>(() =>
            ParquetShardWriter.WriteAsync(new MemoryStream(), ShardTestData.RandomRows(7, 2, shape), shape, metadata));
        Assert.Contains(missing, e.Message);
    }

    [Fact]
    public async Task Writer_rejects_metadata_that_declares_an_older_schema_version()
    {
        // The columns written are v2's; a file saying "1" would be misread.
        var shape = ShardTestData.Shape(1);
        var metadata = new Dictionary<string, string>(ShardTestData.Metadata(shape).ToDictionary()) { [ConstructedDatasetSchema.SchemaVersionKey] = "1" };

        var e = await Assert.ThrowsAsync<ArgumentException>(() =>
            ParquetShardWriter.WriteAsync(new MemoryStream(), ShardTestData.RandomRows(7, 2, shape), shape, metadata));
        Assert.Contains("this build writes 2", e.Message);
    }

    [Fact]
    public async Task Writer_rejects_metadata_whose_image_shape_differs_from_the_rows()
    {
        var shape = ShardTestData.Shape(1);
        var metadata = ShardTestData.Metadata(new ImageShape(1, 28, 28)).ToDictionary();

        await Assert.ThrowsAsync<ArgumentException>(() =>
            ParquetShardWriter.WriteAsync(new MemoryStream(), ShardTestData.RandomRows(8, 2, shape), shape, metadata));
    }

    [Fact]
    public async Task Reader_reports_a_corrupt_file_as_DataFormatException_naming_it()
    {
        using var dir = new TempDirectory();
        var shape = ShardTestData.Shape(3);
        string good = dir.File("good.parquet");
        await using (var file = File.Create(good))
            await ParquetShardWriter.WriteAsync(file, ShardTestData.RandomRows(9, 5, shape), shape, ShardTestData.Metadata(shape).ToDictionary());
        byte[] bytes = await File.ReadAllBytesAsync(good);
        string truncated = dir.File("truncated.parquet");
        await File.WriteAllBytesAsync(truncated, bytes[..(bytes.Length / 2)]);
        string garbage = dir.File("garbage.parquet");
        await File.WriteAllBytesAsync(garbage, "PAR1 this is not parquet PAR1"u8.ToArray());

        foreach (string bad in new[] { truncated, garbage, dir.File("missing.parquet") })
        {
            var e = await Assert.ThrowsAsync<DataFormatException>(() => ParquetShardReader.ReadAsync(bad));
            Assert.Contains(bad, e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
    }

    [Fact]
    public async Task Reader_rejects_a_file_of_another_schema_version()
    {
        using var dir = new TempDirectory();
        var shape = ShardTestData.Shape(1);
        string path = dir.File("v3.parquet");
        await using (var file = File.Create(path))
            await ParquetShardWriter.WriteAsync(file, ShardTestData.RandomRows(10, 3, shape), shape, ShardTestData.Metadata(shape).ToDictionary());
        // Rewrite the footer's version through Parquet.Net itself, as a future writer would.
        var read = await ParquetShardReader.ReadAsync(path);
        var metadata = new Dictionary<string, string>(read.Metadata) { [ConstructedDatasetSchema.SchemaVersionKey] = "3" };
        await using (var file = File.Create(path))
        {
            await using var writer = await global::Parquet.ParquetWriter.CreateAsync(ConstructedDatasetSchema.Schema, file);
            writer.CustomMetadata = metadata;
        }

        var e = await Assert.ThrowsAsync<DataFormatException>(() => ParquetShardReader.ReadAsync(path));
        Assert.Contains("schema version '3'", e.Message);
    }
}
