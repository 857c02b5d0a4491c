using System.Runtime.InteropServices;
using System.Text.Json;
using DuckDB.NET.Data;
using StreamPipeline.Tests.Shared;
using StreamPipeline.Data.Parquet;

namespace StreamPipeline.Data.Tests.Parquet;

/// <summary>DuckDB, an independent Parquet reader, reads what <see cref="ParquetShardWriter"/> writes.</summary>
public sealed class DuckDbInteropTests
{
    [Theory]
    [InlineData(11, 1)]
    [InlineData(12, 3)]
    public async Task DuckDB_reads_row_count_column_types_and_metadata_of_a_written_shard(int seed, int channels)
    {
        using var dir = new TempDirectory();
        var shape = ShardTestData.Shape(channels);
        var rows = ShardTestData.RandomRows(seed, 23, shape, classes: 5);
        var metadata = ShardTestData.Metadata(shape, classes: 5).ToDictionary();
        string path = dir.File("part-00000.parquet");
        await using (var file = File.Create(path))
            await ParquetShardWriter.WriteAsync(file, rows, shape, metadata);
        using var db = Open();
        string source = $"read_parquet('{Sql(path)}')";

        Assert.Equal(rows.Length, Convert.ToInt64(Scalar(db, $"SELECT count(*) FROM {source}")));

        var columns = Query(db, $"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {source})")
            .Select(r => ((string)r[0]!, (string)r[1]!)).ToList();
        Assert.Equal(
            [
                ("index", "BIGINT"), ("label", "BIGINT"), ("source_label", "BIGINT"), ("start_index", "BIGINT"),
                ("pixels", "BLOB"), ("image", "STRUCT(bytes BLOB, path VARCHAR)"), ("attack_success", "BOOLEAN"), ("distance", "FLOAT"),
            ],
            columns);
        var types = Query(db, $"SELECT typeof(\"index\"), typeof(image), typeof(distance) FROM {source} LIMIT 1").Single();
        Assert.Equal(["BIGINT", "STRUCT(bytes BLOB, path VARCHAR)", "FLOAT"], types.Cast<string>());

        var kv = Query(db, $"SELECT key, value FROM parquet_kv_metadata('{Sql(path)}')")
            .ToDictionary(r => Utf8(r[0]), r => Utf8(r[1]));
        foreach (var (key, value) in metadata)
            Assert.Equal(value, kv[key]);
        using var hf = JsonDocument.Parse(kv[ConstructedDatasetSchema.HuggingFaceKey]);
        var features = hf.RootElement.GetProperty("info").GetProperty("features");
        Assert.Equal("Image", features.GetProperty("image").GetProperty("_type").GetString());
        Assert.Equal("ClassLabel", features.GetProperty("label").GetProperty("_type").GetString());
        Assert.Equal(["0", "1", "2", "3", "4"], features.GetProperty("label").GetProperty("names").EnumerateArray().Select(e => e.GetString()));
        // `datasets` refuses features whose names differ from the file's columns.
        Assert.Equal(columns.Select(c => c.Item1).Order(), features.EnumerateObject().Select(p => p.Name).Order());
    }

    [Theory]
    [InlineData(13, 1)]
    [InlineData(14, 3)]
    public async Task DuckDB_reads_values_pixel_bytes_and_decodable_png_bytes(int seed, int channels)
    {
        using var dir = new TempDirectory();
        var shape = ShardTestData.Shape(channels);
        var rows = ShardTestData.RandomRows(seed, 19, shape);
        string path = dir.File("part-00000.parquet");
        await using (var file = File.Create(path))
            await ParquetShardWriter.WriteAsync(file, rows, shape, ShardTestData.Metadata(shape).ToDictionary());
        using var db = Open();

        var read = Query(db,
            $"SELECT \"index\", label, source_label, start_index, pixels, image.bytes, image.path, attack_success, distance " +
            $"FROM read_parquet('{Sql(path)}')");

        Assert.Equal(rows.Length, read.Count);
        for (int i = 0; i < rows.Length; i++)
        {
            var (want, got) = (rows[i], read[i]);
            Assert.Equal(want.Index, (long)got[0]!);
            Assert.Equal(want.Label, (long)got[1]!);
            Assert.Equal(want.SourceLabel, (long)got[2]!);
            Assert.Equal(want.StartIndex, (long?)got[3]);
            Assert.Equal(MemoryMarshal.AsBytes(want.Pixels.Span).ToArray(), (byte[])got[4]!);
            float[] png = PngCodec.Decode((byte[])got[5]!, out var pngShape);
            Assert.Equal(shape, pngShape);
            Assert.Equal(want.Pixels.ToArray().Select(v => PngCodec.Quantize(v) / 255f), png);
            Assert.Null(got[6]);
            Assert.Equal(want.AttackSuccess, (bool)got[7]!);
            Assert.Equal(want.Distance, (float)got[8]!);
        }
    }

    private static DuckDBConnection Open()
    {
        var db = new DuckDBConnection("DataSource=:memory:");
        db.Open();
        return db;
    }

    private static string Sql(string path) => path.Replace("'", "''");

    private static object? Scalar(DuckDBConnection db, string sql) => DuckDbRows.Scalar(db, sql);

    private static List<object?[]> Query(DuckDBConnection db, string sql) => DuckDbRows.Query(db, sql);

    private static string Utf8(object? blob) => DuckDbRows.Utf8(blob);
}
